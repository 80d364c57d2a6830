package dev.llmguard.springai;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.awaitility.Awaitility;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.openai.OpenAiChatModel;
import org.springframework.ai.openai.OpenAiChatOptions;

import dev.llmguard.core.LlmGuardEngine;
import dev.llmguard.core.budget.BudgetUsage;
import dev.llmguard.core.config.AnswerCacheSpec;
import dev.llmguard.core.config.BudgetPeriod;
import dev.llmguard.core.config.BudgetScope;
import dev.llmguard.core.config.BudgetSpec;
import dev.llmguard.core.config.ChainSpec;
import dev.llmguard.core.config.GuardSettings;
import dev.llmguard.core.config.ModelPrice;
import dev.llmguard.core.config.ModelSpec;
import dev.llmguard.core.config.OnExceeded;
import dev.llmguard.core.config.ProviderSpec;
import dev.llmguard.core.config.RateLimits;
import dev.llmguard.core.config.RetrySettings;
import dev.llmguard.core.config.ToolSpec;
import dev.llmguard.core.event.GuardEvent;
import dev.llmguard.core.model.ModelRef;
import dev.llmguard.core.model.Money;
import dev.llmguard.core.time.ManualGuardClock;
import dev.llmguard.http.RestClientErrorClassifier;
import dev.llmguard.test.simulator.ProviderSimulator;
import dev.llmguard.test.simulator.SimulatorStats;

/**
 * A real engine in front of the provider simulator, as an application would configure it: provider
 * {@code openai} at the simulator's URL with {@code gpt-4o} and {@code gpt-4o-mini} at prices whose
 * per-token cost is a whole number of nano-dollars, a global budget {@code spend}, and the real Spring
 * AI OpenAI client. The guard's clock stands still, so buckets refill only when a test says so.
 */
final class SimulatorGuard {

	static final ModelRef GPT_4O = new ModelRef("openai", "gpt-4o");

	static final ModelRef MINI = new ModelRef("openai", "gpt-4o-mini");

	static final ModelPrice GPT_4O_PRICE = ModelPrice.of("2.50", null, "10.00");

	static final ModelPrice MINI_PRICE = ModelPrice.of("0.15", null, "0.60");

	static final String BUDGET = "spend";

	private final GuardSettings.Builder settings = GuardSettings.builder()
		.headroom(1.0)
		.retry(new RetrySettings(3, Duration.ofMillis(100), 2.0, Duration.ofSeconds(1), Duration.ofSeconds(5)))
		.budget(new BudgetSpec(BUDGET, BudgetScope.GLOBAL, BudgetPeriod.NONE, new BigDecimal("1000"), null, 0.9,
				OnExceeded.REJECT));

	private final String baseUrl;

	private Long requestsPerMinute;

	private Duration maxWait = Duration.ofSeconds(5);

	private boolean chain;

	private AnswerCacheSpec cache;

	final ManualGuardClock clock = new ManualGuardClock();

	final List<GuardEvent> events = new CopyOnWriteArrayList<>();

	private SimulatorGuard(String baseUrl) {
		this.baseUrl = baseUrl;
	}

	static SimulatorGuard openAi(ProviderSimulator simulator) {
		return new SimulatorGuard(simulator.baseUrl());
	}

	SimulatorGuard requestsPerMinute(long rpm) {
		this.requestsPerMinute = rpm;
		return this;
	}

	SimulatorGuard maxWait(Duration maxWait) {
		this.maxWait = maxWait;
		return this;
	}

	/** Adds the chain {@code default}: gpt-4o, then gpt-4o-mini. */
	SimulatorGuard defaultChain() {
		this.chain = true;
		return this;
	}

	/** Adds the chain {@code default}, gpt-4o then gpt-4o-mini, keeping its last answers. */
	SimulatorGuard cachedChain(AnswerCacheSpec cache) {
		this.chain = true;
		this.cache = cache;
		return this;
	}

	SimulatorGuard budget(BudgetSpec budget) {
		this.settings.budget(budget);
		return this;
	}

	SimulatorGuard tool(String name, long limit, String fallback) {
		this.settings.tool(new ToolSpec(name, limit, Duration.ofMinutes(1), fallback));
		return this;
	}

	LlmGuardEngine build() {
		Map<String, ModelSpec> models = new LinkedHashMap<>();
		models.put("gpt-4o", new ModelSpec(GPT_4O, GPT_4O_PRICE, 128_000, 1000, null));
		models.put("gpt-4o-mini", new ModelSpec(MINI, MINI_PRICE, 128_000, 1000, null));
		RateLimits limits = new RateLimits(this.requestsPerMinute, null, null, null, null, null);
		this.settings.provider(new ProviderSpec("openai", this.baseUrl, limits, null, this.maxWait, models));
		if (this.chain) {
			this.settings.chain(new ChainSpec("default", List.of(GPT_4O, MINI), Duration.ofSeconds(60), null, this.cache));
		}
		return LlmGuardEngine.builder(this.settings.build())
			.clock(this.clock)
			.classifiers(List.of(new OpenAiSdkErrorClassifier(), new SpringAiErrorClassifier(),
					new RestClientErrorClassifier()))
			.usageExtractor(new SpringAiUsageExtractor())
			.answerExtractors(List.of(new SpringAiAnswerExtractor()))
			.listener(this.events::add)
			.build();
	}

	/** The real Spring AI OpenAI model, pointed at the simulator, without the SDK's own retries. */
	static OpenAiChatModel chatModel(ProviderSimulator simulator, String model) {
		return OpenAiChatModel.builder()
			.options(OpenAiChatOptions.builder()
				.baseUrl(simulator.openAiBaseUrl())
				.apiKey("test")
				.model(model)
				.maxRetries(0)
				.build())
			.build();
	}

	/** A ChatClient with llm-guard's advisors, as the auto-configuration registers them. */
	static ChatClient chatClient(OpenAiChatModel model, LlmGuardEngine engine) {
		ChatClient.Builder builder = ChatClient.builder(model);
		new LlmGuardChatClientCustomizer(new LlmGuardAdvisor(engine), new GuardedToolsAdvisor(engine))
			.customize(builder);
		return builder.build();
	}

	static BudgetUsage spend(LlmGuardEngine engine) {
		return engine.budgets().usage(BUDGET, "");
	}

	/** Cost of tokens at a price, in nano-dollars, computed independently of the guard. */
	static long nanos(long inputTokens, long outputTokens, ModelPrice price) {
		return Money.fromUsd(price.input().multiply(BigDecimal.valueOf(inputTokens))
			.add(price.output().multiply(BigDecimal.valueOf(outputTokens)))
			.divide(BigDecimal.valueOf(1_000_000)));
	}

	/**
	 * The simulator's counts once it has counted the given output: it counts a stream's output after
	 * the stream's last byte, so a client may finish reading first.
	 */
	static SimulatorStats statsWithOutput(ProviderSimulator simulator, long outputTokens) {
		Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> simulator.stats().outputTokens() >= outputTokens);
		return simulator.stats();
	}

	static int inUse(LlmGuardEngine engine) {
		return engine.limiters().snapshot("openai").inUse();
	}

	<T extends GuardEvent> List<T> events(Class<T> type) {
		List<T> found = new ArrayList<>();
		this.events.stream().filter(type::isInstance).map(type::cast).forEach(found::add);
		return found;
	}

}

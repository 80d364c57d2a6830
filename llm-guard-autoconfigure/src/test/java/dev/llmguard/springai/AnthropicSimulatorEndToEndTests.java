package dev.llmguard.springai;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.ai.anthropic.AnthropicCacheOptions;
import org.springframework.ai.anthropic.AnthropicCacheStrategy;
import org.springframework.ai.anthropic.AnthropicChatModel;
import org.springframework.ai.anthropic.AnthropicChatOptions;
import org.springframework.ai.chat.client.ChatClient;

import dev.llmguard.core.LlmGuardEngine;
import dev.llmguard.core.config.BudgetPeriod;
import dev.llmguard.core.config.BudgetScope;
import dev.llmguard.core.config.BudgetSpec;
import dev.llmguard.core.config.GuardSettings;
import dev.llmguard.core.config.ModelSpec;
import dev.llmguard.core.config.OnExceeded;
import dev.llmguard.core.config.ProviderSpec;
import dev.llmguard.core.config.RetrySettings;
import dev.llmguard.core.event.GuardEvent;
import dev.llmguard.core.model.ModelRef;
import dev.llmguard.core.model.Usage;
import dev.llmguard.core.time.ManualGuardClock;
import dev.llmguard.test.simulator.ProviderSimulator;
import dev.llmguard.test.simulator.SimulatorStats;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Spring AI's real Anthropic model (the official Anthropic SDK, its own retries off) against the
 * provider simulator's Anthropic endpoint, guarded by llm-guard through a ChatClient as the
 * auto-configuration sets it up: the guard, not the SDK, retries Anthropic's 429, and the usage it
 * counts is Anthropic's, prompt cache included.
 */
class AnthropicSimulatorEndToEndTests {

	private static final ModelRef SONNET = new ModelRef("anthropic", "claude-sonnet-4-5");

	private static final String BUDGET = "spend";

	private ProviderSimulator simulator;

	private final ManualGuardClock clock = new ManualGuardClock();

	private final List<GuardEvent> events = new CopyOnWriteArrayList<>();

	private LlmGuardEngine engine;

	@BeforeEach
	void start() {
		this.simulator = ProviderSimulator.builder().requestsPerMinute(50).tokensPerMinute(1_000_000).build().start();
		GuardSettings settings = GuardSettings.builder()
			.headroom(1.0)
			.retry(new RetrySettings(3, Duration.ofMillis(100), 2.0, Duration.ofSeconds(1), Duration.ofSeconds(5)))
			.budget(new BudgetSpec(BUDGET, BudgetScope.GLOBAL, BudgetPeriod.NONE, new BigDecimal("1000"), null, 0.9,
					OnExceeded.REJECT))
			.provider(new ProviderSpec("anthropic", null, null, null, Duration.ofSeconds(5),
					Map.of("claude-sonnet-4-5", new ModelSpec(SONNET, null, 200_000, 1024, null))))
			.build();
		// the classifiers LlmGuardSpringAiAutoConfiguration registers when the SDKs are present
		this.engine = LlmGuardEngine.builder(settings)
			.clock(this.clock)
			.classifiers(List.of(new OpenAiSdkErrorClassifier(), new AnthropicSdkErrorClassifier(),
					new SpringAiErrorClassifier()))
			.usageExtractor(new SpringAiUsageExtractor())
			.listener(this.events::add)
			.build();
	}

	@AfterEach
	void stop() {
		this.engine.close();
		this.simulator.stop();
	}

	private ChatClient chatClient() {
		AnthropicChatModel model = AnthropicChatModel.builder()
			.options(AnthropicChatOptions.builder()
				.baseUrl(this.simulator.baseUrl())
				.apiKey("test")
				.model("claude-sonnet-4-5")
				.maxTokens(200)
				.maxRetries(0)
				.cacheOptions(AnthropicCacheOptions.builder().strategy(AnthropicCacheStrategy.SYSTEM_ONLY).build())
				.build())
			.build();
		ChatClient.Builder builder = ChatClient.builder(model);
		new LlmGuardChatClientCustomizer(new LlmGuardAdvisor(this.engine), new GuardedToolsAdvisor(this.engine))
			.customize(builder);
		return builder.build();
	}

	private <T extends GuardEvent> List<T> events(Class<T> type) {
		return this.events.stream().filter(type::isInstance).map(type::cast).toList();
	}

	@Test
	void anthropicsRateLimitIsRetriedByTheGuardAfterItsRetryAfter() {
		this.simulator.rateLimitNextRequests(1);

		String answer = chatClient().prompt("What is a token bucket?").call().content();

		assertThat(answer).isNotBlank();
		SimulatorStats stats = this.simulator.stats();
		assertThat(stats.requests()).as("one 429, then the guard's retry").isEqualTo(2);
		assertThat(stats.rateLimited()).isEqualTo(1);
		assertThat(stats.succeeded()).isEqualTo(1);
		assertThat(events(GuardEvent.Retried.class)).singleElement().satisfies((retried) -> {
			assertThat(retried.provider()).isEqualTo("anthropic");
			assertThat(retried.reason()).isEqualTo("rate_limited");
			// the simulator's Retry-After: 1
			assertThat(retried.backoff()).isEqualTo(Duration.ofSeconds(1));
		});
		assertThat(events(GuardEvent.CallFinished.class)).singleElement()
			.satisfies((finished) -> assertThat(finished.outcome()).isEqualTo("success"));
	}

	@Test
	void usageIsReadFromAnthropicsUsageBlockWithTheCacheWrittenThenRead() {
		String book = "The guard counts every token it sends and every token it gets back. ".repeat(120);
		ChatClient client = chatClient();

		client.prompt().system(book).user("Summarize the book.").call().content();
		client.prompt().system(book).user("Summarize the book.").call().content();

		List<Usage> usages = events(GuardEvent.CallFinished.class).stream().map(GuardEvent.CallFinished::usage).toList();
		assertThat(usages).hasSize(2);
		Usage written = usages.get(0);
		Usage read = usages.get(1);
		assertThat(written.cacheWriteInputTokens()).isGreaterThanOrEqualTo(1024);
		assertThat(written.cachedInputTokens()).isZero();
		assertThat(read.cachedInputTokens()).isEqualTo(written.cacheWriteInputTokens());
		assertThat(read.cacheWriteInputTokens()).isZero();
		// the input counts the whole prompt, cache included, as the simulator counted it
		SimulatorStats stats = this.simulator.stats();
		assertThat(written.inputTokens() + read.inputTokens()).isEqualTo(stats.inputTokens());
		assertThat(written.outputTokens() + read.outputTokens()).isEqualTo(stats.outputTokens());
		assertThat(this.engine.budgets().usage(BUDGET, "").spentTokens())
			.isEqualTo(stats.inputTokens() + stats.outputTokens());
	}

}

package dev.llmguard.http;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.http.MediaType;
import org.springframework.web.client.HttpClientErrorException;
import org.springframework.web.client.RestClient;

import dev.llmguard.core.BudgetExceededException;
import dev.llmguard.core.LlmGuardEngine;
import dev.llmguard.core.budget.BudgetUsage;
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
import dev.llmguard.core.event.GuardEvent;
import dev.llmguard.core.model.ModelRef;
import dev.llmguard.core.time.ManualGuardClock;
import dev.llmguard.test.junit.ProviderSimulatorExtension;
import dev.llmguard.test.simulator.ProviderSimulator;
import dev.llmguard.test.simulator.SimulatorStats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/** The RestClient interceptor against the simulator's OpenAI and Anthropic endpoints. */
class LlmGuardRestClientInterceptorTests {

	private static final String OPENAI_CHAT = "/v1/chat/completions";

	@RegisterExtension
	static final ProviderSimulatorExtension simulatorExtension = ProviderSimulatorExtension.builder()
		.outputTokens(30)
		.build();

	private final JsonMapper json = JsonMapper.builder().build();

	private final List<GuardEvent> events = new CopyOnWriteArrayList<>();

	private LlmGuardEngine engine;

	@AfterEach
	void closeEngine() {
		if (this.engine != null) {
			this.engine.close();
		}
	}

	@Test
	void usageIsReadFromAnOpenAiBodyWhichTheClientStillReads(ProviderSimulator simulator) {
		RestClient client = client(simulator, openAi(simulator, false));

		JsonNode answer = this.json.readTree(post(client, OPENAI_CHAT, openAiBody("gpt-4o", "Hello there")));

		SimulatorStats stats = simulator.stats();
		assertThat(answer.path("usage").path("completion_tokens").asLong()).isEqualTo(30);
		BudgetUsage spend = spend();
		assertThat(spend.spentTokens()).isEqualTo(stats.inputTokens() + stats.outputTokens());
		assertThat(spend.reservedTokens()).isZero();
		assertThat(finished().usageEstimated()).isFalse();
	}

	@Test
	void streamedAnswerIsSettledFromItsUsageChunk(ProviderSimulator simulator) {
		RestClient client = client(simulator, openAi(simulator, false));
		String body = "{\"model\":\"gpt-4o\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
				+ "\"messages\":[{\"role\":\"user\",\"content\":\"Stream it\"}]}";

		String events = post(client, OPENAI_CHAT, body);

		assertThat(events).contains("data: [DONE]");
		SimulatorStats stats = statsWithOutput(simulator, 30);
		assertThat(spend().spentTokens()).isEqualTo(stats.inputTokens() + stats.outputTokens());
		assertThat(finished().usageEstimated()).isFalse();
	}

	@Test
	void rateLimitedAnswerIsRetriedAfterTheDelayTheProviderAskedFor(ProviderSimulator simulator) {
		RestClient client = client(simulator, openAi(simulator, false));
		simulator.rateLimitNextRequests(1); // answers 429 with Retry-After: 1

		String answer = post(client, OPENAI_CHAT, openAiBody("gpt-4o", "Try again"));

		assertThat(answer).contains("\"usage\"");
		SimulatorStats stats = simulator.stats();
		assertThat(stats.rateLimited()).isEqualTo(1);
		assertThat(stats.succeeded()).isEqualTo(1);
		assertThat(events(GuardEvent.Retried.class)).singleElement().satisfies(retried -> {
			assertThat(retried.reason()).isEqualTo("rate_limited");
			assertThat(retried.backoff()).isEqualTo(Duration.ofSeconds(1));
		});
	}

	@Test
	void bodyNamesTheSecondModelWhenTheGuardFallsBack(ProviderSimulator simulator) {
		RestClient client = client(simulator, openAi(simulator, true));
		simulator.rateLimitModel("gpt-4o");

		JsonNode answer = this.json.readTree(post(client, OPENAI_CHAT, openAiBody("gpt-4o", "Who answers?")));

		assertThat(answer.path("model").asString()).startsWith("gpt-4o-mini");
		assertThat(finished().model()).isEqualTo("gpt-4o-mini");
		assertThat(simulator.stats().rateLimited()).isEqualTo(1);
	}

	@Test
	void reservationCoversEveryTokenTheProviderBillsForThePrompt(ProviderSimulator simulator) {
		String body = openAiBody("gpt-4o", "How many tokens is this?");
		post(client(simulator, openAi(simulator, false)), OPENAI_CHAT, body);
		long billedInput = simulator.stats().inputTokens();
		this.engine.close();
		// the provider bills the text of both messages plus its framing of them; 200 is the body's max_tokens
		long reservation = billedInput + 200;

		RestClient oneShort = client(simulator, tokenBudget(simulator, reservation - 1));
		assertThatExceptionOfType(BudgetExceededException.class)
			.isThrownBy(() -> post(oneShort, OPENAI_CHAT, body));
		assertThat(simulator.stats().requests()).isEqualTo(1);
		this.engine.close();

		// the estimate may exceed the bill by a token or two (texts are counted joined), never fall short
		RestClient roomy = client(simulator, tokenBudget(simulator, reservation + 4));
		post(roomy, OPENAI_CHAT, body);
		assertThat(simulator.stats().requests()).isEqualTo(2);
		assertThat(this.engine.budgets().usage("tokens", "").spentTokens()).isEqualTo(billedInput + 30);
	}

	private static GuardSettings tokenBudget(ProviderSimulator simulator, long maxTokens) {
		GuardSettings base = openAi(simulator, false);
		return settings(base.providers().get("openai"))
			.budget(new BudgetSpec("tokens", BudgetScope.GLOBAL, BudgetPeriod.NONE, null, maxTokens, 0.9,
					OnExceeded.REJECT))
			.build();
	}

	@Test
	void providersLastAnswerReachesTheClientWhenTheGuardGivesUp(ProviderSimulator simulator) {
		RestClient client = client(simulator, openAi(simulator, false));
		simulator.rateLimitModel("gpt-4o");

		assertThatExceptionOfType(HttpClientErrorException.TooManyRequests.class)
			.isThrownBy(() -> post(client, OPENAI_CHAT, openAiBody("gpt-4o", "Never")))
			.satisfies(ex -> assertThat(ex.getResponseHeaders().getFirst("Retry-After")).isNotNull());
		// max-attempts 3: the first attempt and two retries all reach the provider
		assertThat(events(GuardEvent.Retried.class)).hasSize(2);
		assertThat(simulator.stats().rateLimited()).isEqualTo(3);
		assertThat(simulator.stats().succeeded()).isZero();
		assertThat(spend().reservedTokens()).isZero();
	}

	@Test
	void anthropicUsageIsReadFromTheMessagesBody(ProviderSimulator simulator) {
		ModelRef claude = new ModelRef("anthropic", "claude-sonnet-4-5");
		RestClient client = client(simulator, settings(new ProviderSpec("anthropic", simulator.baseUrl(),
				RateLimits.NONE, null, Duration.ofSeconds(5),
				Map.of(claude.model(), new ModelSpec(claude, ModelPrice.of("3.00", null, "15.00"), 200_000, 1024,
						null))))
			.build());
		String body = "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":100,\"system\":\"Be brief\","
				+ "\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"Hello Claude\"}]}]}";

		JsonNode answer = this.json.readTree(post(client, "/v1/messages", body));

		SimulatorStats stats = simulator.stats();
		assertThat(answer.path("usage").path("output_tokens").asLong()).isEqualTo(30);
		assertThat(spend().spentTokens()).isEqualTo(stats.inputTokens() + stats.outputTokens());
		assertThat(finished().usageEstimated()).isFalse();
	}

	@Test
	void callsToOtherUrlsAndReadsAreNotGuarded(ProviderSimulator simulator) {
		RestClient client = client(simulator, openAi(simulator, false));

		String stats = client.get().uri("/stats").retrieve().body(String.class);

		assertThat(stats).contains("requests");
		assertThat(this.events).isEmpty();
	}

	// ---------------------------------------------------------------- fixtures

	private RestClient client(ProviderSimulator simulator, GuardSettings settings) {
		this.engine = LlmGuardEngine.builder(settings)
			.clock(new ManualGuardClock())
			.classifier(new RestClientErrorClassifier())
			.listener(this.events::add)
			.build();
		return RestClient.builder()
			.baseUrl(simulator.baseUrl())
			.requestInterceptor(new LlmGuardRestClientInterceptor(this.engine))
			.build();
	}

	private static String post(RestClient client, String path, String body) {
		return client.post()
			.uri(path)
			.contentType(MediaType.APPLICATION_JSON)
			.body(body)
			.retrieve()
			.body(String.class);
	}

	private static String openAiBody(String model, String prompt) {
		return "{\"model\":\"" + model + "\",\"max_tokens\":200,\"messages\":[{\"role\":\"system\",\"content\":"
				+ "\"You are terse\"},{\"role\":\"user\",\"content\":\"" + prompt + "\"}]}";
	}

	private static GuardSettings openAi(ProviderSimulator simulator, boolean chain) {
		ModelRef gpt4o = new ModelRef("openai", "gpt-4o");
		ModelRef mini = new ModelRef("openai", "gpt-4o-mini");
		GuardSettings.Builder settings = settings(new ProviderSpec("openai", simulator.baseUrl() + "/", RateLimits.NONE,
				null, Duration.ofSeconds(5),
				Map.of("gpt-4o", new ModelSpec(gpt4o, null, 128_000, 1024, null), "gpt-4o-mini",
						new ModelSpec(mini, null, 128_000, 1024, null))));
		if (chain) {
			settings.chain(new ChainSpec("default", List.of(gpt4o, mini), Duration.ofSeconds(60), null));
		}
		return settings.build();
	}

	private static GuardSettings.Builder settings(ProviderSpec provider) {
		return GuardSettings.builder()
			.headroom(1.0)
			.retry(new RetrySettings(3, Duration.ofMillis(100), 2.0, Duration.ofSeconds(1), Duration.ofSeconds(5)))
			.provider(provider)
			.budget(new BudgetSpec("spend", BudgetScope.GLOBAL, BudgetPeriod.NONE, new BigDecimal("100"), null, 0.9,
					OnExceeded.REJECT));
	}

	/** The simulator counts a stream's output after its last byte, which the client may read first. */
	private static SimulatorStats statsWithOutput(ProviderSimulator simulator, long outputTokens) {
		Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> simulator.stats().outputTokens() >= outputTokens);
		return simulator.stats();
	}

	private BudgetUsage spend() {
		return this.engine.budgets().usage("spend", "");
	}

	private GuardEvent.CallFinished finished() {
		List<GuardEvent.CallFinished> finished = events(GuardEvent.CallFinished.class);
		assertThat(finished).hasSize(1);
		return finished.get(0);
	}

	private <T extends GuardEvent> List<T> events(Class<T> type) {
		return this.events.stream().filter(type::isInstance).map(type::cast).toList();
	}

}

package dev.llmguard.http;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.http.MediaType;
import org.springframework.web.client.RestClient;

import dev.llmguard.core.BudgetExceededException;
import dev.llmguard.core.CallRequest;
import dev.llmguard.core.LlmGuard;
import dev.llmguard.core.LlmGuardEngine;
import dev.llmguard.core.budget.BudgetUsage;
import dev.llmguard.core.config.BudgetPeriod;
import dev.llmguard.core.config.BudgetScope;
import dev.llmguard.core.config.BudgetSpec;
import dev.llmguard.core.config.ChainSpec;
import dev.llmguard.core.config.GuardSettings;
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

/**
 * The worst case the RestClient guard reserves is the worst case the provider can bill: every chat
 * request leaves with a max output tokens no higher than the reserved allowance, and the input
 * estimate counts tool definitions and images.
 */
class RestClientWorstCaseTests {

	/** Far more than any allowance below: an uncapped request is answered this long. */
	private static final int PROVIDER_DEFAULT_OUTPUT = 3000;

	/** The allowance the guard reserves for a request without max tokens (the model's max-output-tokens). */
	private static final int ALLOWANCE = 1024;

	/** A 1 x 1 transparent PNG. */
	private static final String ONE_PIXEL_PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAC"
			+ "hwGA60e6kgAAAABJRU5ErkJggg==";

	@RegisterExtension
	static final ProviderSimulatorExtension simulatorExtension = ProviderSimulatorExtension.builder()
		.outputTokens(PROVIDER_DEFAULT_OUTPUT)
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

	// ---------------------------------------------------------------- output allowance

	@Test
	void chatRequestWithoutMaxTokensLeavesCappedAtTheReservedAllowance(ProviderSimulator simulator) {
		RestClient client = client(simulator, null);

		post(client, "/v1/chat/completions",
				"{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");

		JsonNode sent = sent(simulator);
		assertThat(sent.path("max_completion_tokens").asInt()).isEqualTo(ALLOWANCE);
		assertThat(sent.has("max_tokens")).isFalse();
		SimulatorStats stats = simulator.stats();
		assertThat(stats.outputTokens()).isEqualTo(ALLOWANCE);
		assertThat(spend().spentTokens()).isEqualTo(stats.inputTokens() + stats.outputTokens());
	}

	@Test
	void responsesRequestWithoutMaxOutputTokensLeavesCappedAtTheReservedAllowance(ProviderSimulator simulator) {
		RestClient client = client(simulator, null);

		JsonNode answer = this.json.readTree(post(client, "/v1/responses", "{\"model\":\"gpt-4o\",\"input\":\"Hi\"}"));

		assertThat(sent(simulator).path("max_output_tokens").asInt()).isEqualTo(ALLOWANCE);
		assertThat(answer.at("/usage/output_tokens").asInt()).isEqualTo(ALLOWANCE);
		SimulatorStats stats = simulator.stats();
		assertThat(spend().spentTokens()).isEqualTo(stats.inputTokens() + stats.outputTokens());
		assertThat(finished().usageEstimated()).isFalse();
	}

	@Test
	void streamedResponsesRequestIsSettledFromItsCompletedEvent(ProviderSimulator simulator) {
		simulator.update((settings) -> settings.outputTokens(30));
		RestClient client = client(simulator, null);

		String events = post(client, "/v1/responses", "{\"model\":\"gpt-4o\",\"stream\":true,\"input\":\"Hi\"}");

		assertThat(events).contains("response.completed");
		assertThat(finished().usageEstimated()).isFalse();
		assertThat(finished().usage().outputTokens()).isEqualTo(30);
	}

	@Test
	void chatMaxTokensAboveTheAllowanceOfAnEnclosingGuardedCallIsLowered(ProviderSimulator simulator) {
		RestClient client = client(simulator, null);
		LlmGuard guard = new LlmGuard(this.engine);

		guard.call(CallRequest.builder().model("openai/gpt-4o").maxOutputTokens(100).build(),
				(context) -> post(client, "/v1/chat/completions", "{\"model\":\"gpt-4o\",\"max_tokens\":5000,"
						+ "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"));

		JsonNode sent = sent(simulator);
		assertThat(sent.path("max_tokens").asInt()).isEqualTo(100);
		assertThat(sent.has("max_completion_tokens")).as("the body's own field is kept").isFalse();
		assertThat(simulator.stats().outputTokens()).isEqualTo(100);
	}

	@Test
	void chatRequestWithoutMaxTokensInsideAnEnclosingGuardedCallLeavesCapped(ProviderSimulator simulator) {
		RestClient client = client(simulator, null);
		LlmGuard guard = new LlmGuard(this.engine);

		guard.call(CallRequest.builder().model("openai/gpt-4o").maxOutputTokens(300).build(),
				(context) -> post(client, "/v1/chat/completions",
						"{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"));

		assertThat(sent(simulator).path("max_completion_tokens").asInt()).isEqualTo(300);
		assertThat(simulator.stats().outputTokens()).isEqualTo(300);
	}

	@Test
	void aFailedRequestInsideAGuardedOperationIsRetriedAloneAndTheWorkBeforeItRunsOnce(ProviderSimulator simulator) {
		RestClient client = client(simulator, null);
		LlmGuard guard = new LlmGuard(this.engine);
		String chat = "{\"model\":\"gpt-4o\",\"max_tokens\":50,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
		AtomicInteger work = new AtomicInteger();

		guard.call(CallRequest.builder().model("openai/gpt-4o").build(), (context) -> {
			post(client, "/v1/chat/completions", chat);
			work.incrementAndGet(); // a tool, an order: what a retry must never run again
			simulator.failNextRequests(1, 500);
			return post(client, "/v1/chat/completions", chat);
		});

		assertThat(work).hasValue(1);
		assertThat(simulator.stats().requests()).as("first, second failed, second again").isEqualTo(3);
		assertThat(this.events).filteredOn(GuardEvent.CallFinished.class::isInstance).hasSize(2);
		assertThat(spend().reservedTokens()).isZero();
		assertThat(spend().spentTokens()).isEqualTo(simulator.stats().inputTokens() + simulator.stats().outputTokens());
	}

	@Test
	void anthropicMaxTokensAboveTheAllowanceOfAnEnclosingGuardedCallIsLowered(ProviderSimulator simulator) {
		RestClient client = anthropic(simulator, null);
		LlmGuard guard = new LlmGuard(this.engine);

		guard.call(CallRequest.builder().model("anthropic/claude-sonnet-4-5").maxOutputTokens(200).build(),
				(context) -> post(client, "/v1/messages", "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":4096,"
						+ "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"));

		assertThat(sent(simulator).path("max_tokens").asInt()).isEqualTo(200);
		assertThat(simulator.stats().outputTokens()).isEqualTo(200);
	}

	@Test
	void severalChoicesShareTheAllowance(ProviderSimulator simulator) {
		RestClient client = client(simulator, null);

		post(client, "/v1/chat/completions",
				"{\"model\":\"gpt-4o\",\"n\":4,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");

		assertThat(sent(simulator).path("max_completion_tokens").asInt()).isEqualTo(ALLOWANCE / 4);
	}

	@Test
	void maxTokensWithinTheAllowanceLeaveUntouched(ProviderSimulator simulator) {
		RestClient client = client(simulator, null);
		String body = "{\"model\":\"gpt-4o\",\"max_tokens\":50,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";

		post(client, "/v1/chat/completions", body);

		assertThat(simulator.lastRequest().bodyText()).isEqualTo(body);
	}

	// ---------------------------------------------------------------- input estimate

	@Test
	void toolDefinitionsAreReservedForTheirTokens(ProviderSimulator simulator) {
		String tools = ",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"search_products\","
				+ "\"description\":\"" + "Searches the product catalogue by free text and filters. ".repeat(20)
				+ "\",\"parameters\":{\"type\":\"object\",\"properties\":{\"query\":{\"type\":\"string\","
				+ "\"description\":\"What the customer asked for\"}},\"required\":[\"query\"]}}}]";
		// the simulator bills the messages only: that is the prompt's cost without the tools
		long messagesOnly = billedInput(simulator, chat(""));

		RestClient client = client(simulator, messagesOnly + 200 + 100);
		assertThatExceptionOfType(BudgetExceededException.class)
			.isThrownBy(() -> post(client, "/v1/chat/completions", chat(tools)));
	}

	@Test
	void imageWhoseSizeIsUnknownIsReservedAtTheModelsWorstCase(ProviderSimulator simulator) {
		String image = ",{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://example.com/cat.png\"}}";
		long textOnly = billedInput(simulator, chat(""));

		// gpt-4o at high detail: 85 + 170 x 8 tiles = 1445 tokens at most
		RestClient tooSmall = client(simulator, textOnly + 200 + 1440);
		assertThatExceptionOfType(BudgetExceededException.class)
			.isThrownBy(() -> post(tooSmall, "/v1/chat/completions", chatWithImage(image)));
		this.engine.close();

		RestClient roomy = client(simulator, textOnly + 200 + 1445 + 10);
		post(roomy, "/v1/chat/completions", chatWithImage(image));
		assertThat(spend().reservedTokens()).isZero();
	}

	@Test
	void imageIsReservedAtTheMostAnyModelOfTheChainBillsForIt(ProviderSimulator simulator) {
		String image = ",{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://example.com/cat.png\"}}";
		long textOnly = billedInput(simulator, chat(""));

		// gpt-4o-mini, the chain's fallback, bills an image at up to 2833 + 5667 x 8 tiles = 48169 tokens
		RestClient client = chain(simulator, textOnly + 200 + 48169 - 10);
		assertThatExceptionOfType(BudgetExceededException.class)
			.isThrownBy(() -> post(client, "/v1/chat/completions", chatWithImage(image)));
	}

	@Test
	void imageOfADataUrlIsReservedForItsDecodedSize(ProviderSimulator simulator) {
		String image = ",{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64," + ONE_PIXEL_PNG
				+ "\",\"detail\":\"high\"}}";
		long textOnly = billedInput(simulator, chat(""));

		// 1 x 1 pixel at high detail: 85 + 170 x 1 tile
		RestClient tooSmall = client(simulator, textOnly + 200 + 250);
		assertThatExceptionOfType(BudgetExceededException.class)
			.isThrownBy(() -> post(tooSmall, "/v1/chat/completions", chatWithImage(image)));
		this.engine.close();

		RestClient enough = client(simulator, textOnly + 200 + 255 + 10);
		post(enough, "/v1/chat/completions", chatWithImage(image));
	}

	@Test
	void anthropicToolsAreReservedWithTheToolUseSystemPrompt(ProviderSimulator simulator) {
		String body = "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":200,%s\"messages\":[{\"role\":\"user\","
				+ "\"content\":\"Find shoes\"}]}";
		String tools = "\"tools\":[{\"name\":\"search\",\"description\":\"Search\",\"input_schema\":{\"type\":"
				+ "\"object\",\"properties\":{\"q\":{\"type\":\"string\"}}}}],";
		long withoutTools = billedInput(simulator, "/v1/messages", body.formatted(""));

		// Anthropic adds a tool-use system prompt of 346 tokens to a request with tools
		RestClient client = anthropic(simulator, withoutTools + 200 + 340);
		assertThatExceptionOfType(BudgetExceededException.class)
			.isThrownBy(() -> post(client, "/v1/messages", body.formatted(tools)));
	}

	private static String chat(String tools) {
		return "{\"model\":\"gpt-4o\",\"max_tokens\":200,\"messages\":[{\"role\":\"user\",\"content\":"
				+ "\"Find me running shoes\"}]" + tools + "}";
	}

	private static String chatWithImage(String imagePart) {
		return "{\"model\":\"gpt-4o\",\"max_tokens\":200,\"messages\":[{\"role\":\"user\",\"content\":"
				+ "[{\"type\":\"text\",\"text\":\"Find me running shoes\"}" + imagePart + "]}]}";
	}

	private long billedInput(ProviderSimulator simulator, String chatBody) {
		return billedInput(simulator, "/v1/chat/completions", chatBody);
	}

	/** What the provider bills for a body, learnt by sending it unguarded. */
	private static long billedInput(ProviderSimulator simulator, String path, String body) {
		RestClient.create(simulator.baseUrl())
			.post()
			.uri(path)
			.contentType(MediaType.APPLICATION_JSON)
			.body(body)
			.retrieve()
			.toBodilessEntity();
		long billed = simulator.stats().inputTokens();
		simulator.resetStats();
		return billed;
	}

	// ---------------------------------------------------------------- fixtures

	private RestClient client(ProviderSimulator simulator, Long maxTokens) {
		return client(simulator, maxTokens, new ModelRef("openai", "gpt-4o"));
	}

	private RestClient anthropic(ProviderSimulator simulator, Long maxTokens) {
		return client(simulator, maxTokens, new ModelRef("anthropic", "claude-sonnet-4-5"));
	}

	private RestClient client(ProviderSimulator simulator, Long maxTokens, ModelRef model) {
		return client(simulator, maxTokens, List.of(model));
	}

	/** gpt-4o, falling back to gpt-4o-mini on the default chain. */
	private RestClient chain(ProviderSimulator simulator, Long maxTokens) {
		return client(simulator, maxTokens,
				List.of(new ModelRef("openai", "gpt-4o"), new ModelRef("openai", "gpt-4o-mini")));
	}

	private RestClient client(ProviderSimulator simulator, Long maxTokens, List<ModelRef> models) {
		Map<String, ModelSpec> specs = new LinkedHashMap<>();
		models.forEach((model) -> specs.put(model.model(), new ModelSpec(model, null, 128_000, ALLOWANCE, null)));
		GuardSettings.Builder builder = GuardSettings.builder()
			.headroom(1.0)
			.retry(new RetrySettings(3, Duration.ofMillis(100), 2.0, Duration.ofSeconds(1), Duration.ofSeconds(5)))
			.provider(new ProviderSpec(models.get(0).provider(), simulator.baseUrl(), RateLimits.NONE, null,
					Duration.ofSeconds(5), specs))
			.budget(new BudgetSpec("spend", BudgetScope.GLOBAL, BudgetPeriod.NONE, new BigDecimal("100"), maxTokens,
					0.9, OnExceeded.REJECT));
		if (models.size() > 1) {
			builder.chain(new ChainSpec("default", models, Duration.ofSeconds(60), null));
		}
		GuardSettings settings = builder.build();
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

	private JsonNode sent(ProviderSimulator simulator) {
		return this.json.readTree(simulator.lastRequest().body());
	}

	private BudgetUsage spend() {
		return this.engine.budgets().usage("spend", "");
	}

	private GuardEvent.CallFinished finished() {
		List<GuardEvent.CallFinished> finished = this.events.stream()
			.filter(GuardEvent.CallFinished.class::isInstance)
			.map(GuardEvent.CallFinished.class::cast)
			.toList();
		assertThat(finished).hasSize(1);
		return finished.get(0);
	}

}

package dev.llmguard.http;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.core.io.ByteArrayResource;
import org.springframework.http.MediaType;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import org.springframework.web.client.RestClient;

import dev.llmguard.core.CallRequest;
import dev.llmguard.core.LlmGuard;
import dev.llmguard.core.LlmGuardEngine;
import dev.llmguard.core.RateLimitExceededException;
import dev.llmguard.core.config.BudgetPeriod;
import dev.llmguard.core.config.BudgetScope;
import dev.llmguard.core.config.BudgetSpec;
import dev.llmguard.core.config.GuardSettings;
import dev.llmguard.core.config.ModelSpec;
import dev.llmguard.core.config.OnExceeded;
import dev.llmguard.core.config.ProviderSpec;
import dev.llmguard.core.config.RateLimits;
import dev.llmguard.core.config.RetrySettings;
import dev.llmguard.core.event.GuardEvent;
import dev.llmguard.core.limit.LimitSnapshot;
import dev.llmguard.core.model.ModelRef;
import dev.llmguard.core.time.ManualGuardClock;
import dev.llmguard.test.junit.ProviderSimulatorExtension;
import dev.llmguard.test.simulator.ProviderSimulator;
import dev.llmguard.test.simulator.ReceivedRequest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * The RestClient guard admits only the chat requests it understands (chat completions, responses,
 * messages: by path and JSON body); every other request to a provider's base URL leaves unchanged.
 */
class RestClientRequestRecognitionTests {

	@RegisterExtension
	static final ProviderSimulatorExtension simulatorExtension = ProviderSimulatorExtension.builder()
		.outputTokens(20)
		.build();

	private final List<GuardEvent> events = new CopyOnWriteArrayList<>();

	private LlmGuardEngine engine;

	@AfterEach
	void closeEngine() {
		if (this.engine != null) {
			this.engine.close();
		}
	}

	@Test
	void embeddingsRequestLeavesWithItsOwnModelAndIsNotAdmitted(ProviderSimulator simulator) {
		RestClient client = client(simulator.baseUrl(), settings(simulator.baseUrl(), null));
		byte[] body = "{\"model\":\"text-embedding-3-small\",\"input\":\"The quick brown fox\"}"
			.getBytes(StandardCharsets.UTF_8);

		post(client, "/v1/embeddings", MediaType.APPLICATION_JSON, body);

		assertThat(simulator.lastRequest().body()).isEqualTo(body);
		assertThat(this.events).isEmpty();
	}

	@Test
	void batchRequestWithoutModelLeavesByteIdentical(ProviderSimulator simulator) {
		RestClient client = client(simulator.baseUrl(), settings(simulator.baseUrl(), null));
		byte[] body = ("{ \"input_file_id\": \"file-abc123\", \"endpoint\": \"/v1/chat/completions\", "
				+ "\"completion_window\": \"24h\" }")
			.getBytes(StandardCharsets.UTF_8);

		post(client, "/v1/batches", MediaType.APPLICATION_JSON, body);

		assertThat(simulator.lastRequest().body()).isEqualTo(body);
		assertThat(this.events).isEmpty();
	}

	@Test
	void multipartUploadIsNotEstimatedFromItsLength(ProviderSimulator simulator) {
		// 400 kB read as chars/4 would be 100,000 tokens: far above this budget of 10,000
		RestClient client = client(simulator.baseUrl(), settings(simulator.baseUrl(), 10_000L));
		byte[] file = new byte[400_000];
		Arrays.fill(file, (byte) 'a');
		MultiValueMap<String, Object> parts = new LinkedMultiValueMap<>();
		parts.add("purpose", "batch");
		parts.add("file", new ByteArrayResource(file) {
			@Override
			public String getFilename() {
				return "requests.jsonl";
			}
		});

		int status = client.post()
			.uri("/v1/files")
			.contentType(MediaType.MULTIPART_FORM_DATA)
			.body(parts)
			.exchange((request, response) -> response.getStatusCode().value());

		assertThat(status).isEqualTo(404); // the simulator has no files API: the request reached it
		ReceivedRequest received = simulator.lastRequest();
		assertThat(received.contentType()).startsWith("multipart/form-data");
		assertThat(received.body().length).isGreaterThan(400_000);
		assertThat(this.events).isEmpty();
	}

	@Test
	void chatRequestForAModelTheConfigurationDoesNotListKeepsItsModel(ProviderSimulator simulator) {
		RestClient client = client(simulator.baseUrl(), settings(simulator.baseUrl(), null));

		post(client, "/v1/chat/completions", MediaType.APPLICATION_JSON,
				"{\"model\":\"gpt-4.1-nano\",\"max_tokens\":50,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"
					.getBytes(StandardCharsets.UTF_8));

		assertThat(simulator.lastRequest().bodyText()).contains("\"model\":\"gpt-4.1-nano\"");
		assertThat(this.events).filteredOn(GuardEvent.CallFinished.class::isInstance)
			.singleElement()
			.satisfies((event) -> {
				GuardEvent.CallFinished finished = (GuardEvent.CallFinished) event;
				assertThat(finished.provider()).isEqualTo("openai");
				assertThat(finished.model()).isEqualTo("gpt-4.1-nano");
				assertThat(finished.usageEstimated()).isFalse();
			});
	}

	@Test
	void baseUrlEndingInV1GuardsChatAndLeavesEmbeddingsAlone(ProviderSimulator simulator) {
		RestClient client = client(simulator.openAiBaseUrl(), settings(simulator.openAiBaseUrl(), null));
		byte[] embeddings = "{\"model\":\"text-embedding-3-small\",\"input\":\"x\"}".getBytes(StandardCharsets.UTF_8);

		post(client, "/chat/completions", MediaType.APPLICATION_JSON,
				"{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"
					.getBytes(StandardCharsets.UTF_8));
		post(client, "/embeddings", MediaType.APPLICATION_JSON, embeddings);

		assertThat(this.events).filteredOn(GuardEvent.CallFinished.class::isInstance).hasSize(1);
		assertThat(simulator.lastRequest().body()).isEqualTo(embeddings);
	}

	@Test
	void chatPathWithABodyThatIsNoJsonLeavesUnchangedAndIsNotAdmitted(ProviderSimulator simulator) {
		RestClient client = client(simulator.baseUrl(), settings(simulator.baseUrl(), null));
		byte[] body = "this is { not json".getBytes(StandardCharsets.UTF_8);

		int status = post(client, "/v1/chat/completions", MediaType.APPLICATION_JSON, body);

		assertThat(status).isEqualTo(400);
		assertThat(simulator.lastRequest().body()).isEqualTo(body);
		assertThat(this.events).isEmpty();
	}

	// ---------------------------------------------------------------- guard-other-requests

	@Test
	void otherRequestsCountAgainstTheProvidersRequestLimitWhenAsked(ProviderSimulator simulator) {
		RestClient client = guardingOtherRequests(simulator, new RateLimits(1L, null, null, null, null, null), null);
		byte[] body = "{\"model\":\"text-embedding-3-small\",\"input\":\"x\"}".getBytes(StandardCharsets.UTF_8);

		post(client, "/v1/embeddings", MediaType.APPLICATION_JSON, body);
		assertThatExceptionOfType(RateLimitExceededException.class)
			.isThrownBy(() -> post(client, "/v1/embeddings", MediaType.APPLICATION_JSON, body))
			.satisfies((ex) -> assertThat(ex.getProvider()).isEqualTo("openai"));

		assertThat(simulator.receivedRequests()).singleElement()
			.satisfies((received) -> assertThat(received.body()).isEqualTo(body));
		assertThat(this.events).as("no guarded call, no budget").isEmpty();
		assertThat(this.engine.budgets().usage("spend", "").reservedTokens()).isZero();
	}

	@Test
	void otherRequestsTakeNoTokensAndGiveTheirSlotBack(ProviderSimulator simulator) {
		// 100 tokens a minute: an upload estimated from its bytes could never pass
		RestClient client = guardingOtherRequests(simulator, new RateLimits(10L, 100L, null, null, null, null), 1);
		byte[] file = new byte[40_000];
		Arrays.fill(file, (byte) 'a');

		post(client, "/v1/files", MediaType.APPLICATION_OCTET_STREAM, file);
		post(client, "/v1/files", MediaType.APPLICATION_OCTET_STREAM, file);

		assertThat(simulator.receivedRequests()).hasSize(2);
		LimitSnapshot limits = this.engine.limiters().snapshot("openai");
		assertThat(limits.inUse()).isZero();
		assertThat(limits.limits().get("requests-per-minute").available()).isEqualTo(8);
		assertThat(limits.limits().get("tokens-per-minute").available()).isEqualTo(100);
	}

	@Test
	void otherRequestInsideAGuardedCallOfTheProviderDoesNotWaitForASecondSlot(ProviderSimulator simulator) {
		// one slot, and no waiting: the enclosing call holds the slot, the request inside needs none
		RestClient client = guardingOtherRequests(simulator, new RateLimits(10L, null, null, null, null, null), 1);
		LlmGuard guard = new LlmGuard(this.engine);

		int status = guard.call(CallRequest.builder().model("openai/gpt-4o-mini").maxOutputTokens(10).build(),
				Integer.class, (context) -> post(client, "/v1/embeddings", MediaType.APPLICATION_JSON,
						"{\"model\":\"text-embedding-3-small\",\"input\":\"x\"}".getBytes(StandardCharsets.UTF_8)));

		assertThat(status).isEqualTo(404);
		assertThat(this.engine.limiters().snapshot("openai").limits().get("requests-per-minute").available())
			.as("the enclosing call and the request inside it").isEqualTo(8);
	}

	@Test
	void otherRequestsPassUnguardedByDefault(ProviderSimulator simulator) {
		RestClient client = client(simulator.baseUrl(), settings(simulator.baseUrl(), null,
				new RateLimits(1L, null, null, null, null, null), null));

		for (int i = 0; i < 3; i++) {
			post(client, "/v1/embeddings", MediaType.APPLICATION_JSON, "{}".getBytes(StandardCharsets.UTF_8));
		}

		assertThat(simulator.receivedRequests()).hasSize(3);
		assertThat(this.engine.limiters().snapshot("openai").limits().get("requests-per-minute").available())
			.isEqualTo(1);
	}

	@Test
	void guardingOtherRequestsOfAnUnknownProviderIsRefused(ProviderSimulator simulator) {
		LlmGuardEngine engine = LlmGuardEngine.builder(settings(simulator.baseUrl(), null)).build();
		try {
			assertThatIllegalArgumentException()
				.isThrownBy(() -> new LlmGuardRestClientInterceptor(engine, JsonMapper.builder().build(),
						Set.of("opneai")))
				.withMessageContaining("'opneai'")
				.withMessageContaining("[openai]");
		}
		finally {
			engine.close();
		}
	}

	private RestClient guardingOtherRequests(ProviderSimulator simulator, RateLimits limits, Integer maxConcurrent) {
		GuardSettings settings = settings(simulator.baseUrl(), null, limits, maxConcurrent);
		this.engine = LlmGuardEngine.builder(settings)
			.clock(new ManualGuardClock())
			.classifier(new RestClientErrorClassifier())
			.listener(this.events::add)
			.build();
		return RestClient.builder()
			.baseUrl(simulator.baseUrl())
			.requestInterceptor(
					new LlmGuardRestClientInterceptor(this.engine, JsonMapper.builder().build(), Set.of("openai")))
			.build();
	}

	// ---------------------------------------------------------------- fixtures

	private RestClient client(String baseUrl, GuardSettings settings) {
		this.engine = LlmGuardEngine.builder(settings)
			.clock(new ManualGuardClock())
			.classifier(new RestClientErrorClassifier())
			.listener(this.events::add)
			.build();
		return RestClient.builder()
			.baseUrl(baseUrl)
			.requestInterceptor(new LlmGuardRestClientInterceptor(this.engine))
			.build();
	}

	private static int post(RestClient client, String path, MediaType type, byte[] body) {
		return client.post()
			.uri(path)
			.contentType(type)
			.body(body)
			.exchange((request, response) -> response.getStatusCode().value());
	}

	/** One provider with one model (gpt-4o-mini), as in the report of embeddings sent as gpt-4o-mini. */
	private static GuardSettings settings(String baseUrl, Long maxTokens) {
		return settings(baseUrl, maxTokens, RateLimits.NONE, null);
	}

	/** The same, with provider limits; a call never waits for capacity (max-wait 0). */
	private static GuardSettings settings(String baseUrl, Long maxTokens, RateLimits limits, Integer maxConcurrent) {
		ModelRef mini = new ModelRef("openai", "gpt-4o-mini");
		return GuardSettings.builder()
			.headroom(1.0)
			.retry(new RetrySettings(3, Duration.ofMillis(100), 2.0, Duration.ofSeconds(1), Duration.ofSeconds(5)))
			.provider(new ProviderSpec("openai", baseUrl, limits, maxConcurrent,
					(limits == RateLimits.NONE) ? Duration.ofSeconds(5) : Duration.ZERO,
					Map.of("gpt-4o-mini", new ModelSpec(mini, null, 128_000, 1024, null))))
			.budget(new BudgetSpec("spend", BudgetScope.GLOBAL, BudgetPeriod.NONE, new BigDecimal("100"), maxTokens,
					0.9, OnExceeded.REJECT))
			.build();
	}

}

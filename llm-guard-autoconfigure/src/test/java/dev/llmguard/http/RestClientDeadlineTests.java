package dev.llmguard.http;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.http.MediaType;
import org.springframework.web.client.RestClient;

import dev.llmguard.core.LlmGuardEngine;
import dev.llmguard.core.RateLimitExceededException;
import dev.llmguard.core.config.ChainSpec;
import dev.llmguard.core.config.GuardSettings;
import dev.llmguard.core.config.ModelSpec;
import dev.llmguard.core.config.ProviderSpec;
import dev.llmguard.core.config.RateLimits;
import dev.llmguard.core.config.RetrySettings;
import dev.llmguard.core.event.GuardEvent;
import dev.llmguard.core.model.ModelRef;
import dev.llmguard.core.time.ManualGuardClock;
import dev.llmguard.test.junit.ProviderSimulatorExtension;
import dev.llmguard.test.simulator.ProviderSimulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * A RestClient call whose model keeps answering 429 with {@code Retry-After: 60} returns within its
 * deadline ({@code max-total-time}) with {@code rate_limited} and the provider's Retry-After, instead
 * of retrying for minutes and handing the client the provider's 429. The guard runs with the default
 * retry settings (5 attempts, Retry-After capped at 120 s, a 60 s deadline) on a manual clock: every
 * duration asserted is the clock's.
 */
class RestClientDeadlineTests {

	private static final String CHAT = "/v1/chat/completions";

	private static final ModelRef GPT_4O = new ModelRef("openai", "gpt-4o");

	private static final ModelRef MINI = new ModelRef("openai", "gpt-4o-mini");

	@RegisterExtension
	static final ProviderSimulatorExtension simulatorExtension = ProviderSimulatorExtension.builder().build();

	private final ManualGuardClock clock = new ManualGuardClock();

	private final Instant start = this.clock.instant();

	private final List<GuardEvent> events = new CopyOnWriteArrayList<>();

	private LlmGuardEngine engine;

	@AfterEach
	void closeEngine() {
		if (this.engine != null) {
			this.engine.close();
		}
	}

	@Test
	void aModelThatKeepsAnswering429WithRetryAfter60ReturnsWithinTheDefaultDeadline(ProviderSimulator simulator) {
		simulator.rateLimitModel("gpt-4o", Duration.ofSeconds(60));
		RestClient client = client(simulator, RetrySettings.DEFAULT, false);

		assertThatExceptionOfType(RateLimitExceededException.class)
			.isThrownBy(() -> post(client, body("gpt-4o"), Map.of()))
			.satisfies(ex -> {
				assertThat(ex.code()).isEqualTo("rate_limited");
				assertThat(ex.getRetryAfter()).isEqualTo(Duration.ofSeconds(60));
				assertThat(ex.getModel()).isEqualTo("gpt-4o");
			});

		// one pause of 60 s fits the 60 s deadline; the second would end past it
		assertThat(elapsed()).isEqualTo(Duration.ofSeconds(60));
		assertThat(simulator.stats().rateLimited()).isEqualTo(2);
		assertThat(finished().outcome()).isEqualTo("rate_limited");
		assertThat(this.engine.limiters().snapshot("openai").inUse()).isZero();
	}

	@Test
	void theRequestAttributeSetsTheCallsDeadline(ProviderSimulator simulator) {
		simulator.rateLimitModel("gpt-4o", Duration.ofSeconds(60));
		RestClient client = client(simulator, RetrySettings.DEFAULT, false);

		assertThatExceptionOfType(RateLimitExceededException.class)
			.isThrownBy(() -> post(client, body("gpt-4o"),
					Map.of(LlmGuardRestClientInterceptor.MAX_TOTAL_TIME, "20s")))
			.satisfies(ex -> assertThat(ex.getRetryAfter()).isEqualTo(Duration.ofSeconds(60)))
			.withMessageContaining("max-total-time 20s");

		assertThat(elapsed()).isZero();
		assertThat(simulator.stats().requests()).isEqualTo(1);
	}

	@Test
	void aDeadlineGivenAsADurationWorksToo(ProviderSimulator simulator) {
		simulator.rateLimitModel("gpt-4o", Duration.ofSeconds(30));
		RestClient client = client(simulator, RetrySettings.DEFAULT, false);

		assertThatExceptionOfType(RateLimitExceededException.class).isThrownBy(() -> post(client, body("gpt-4o"),
				Map.of(LlmGuardRestClientInterceptor.MAX_TOTAL_TIME, Duration.ofSeconds(45))));

		assertThat(elapsed()).isEqualTo(Duration.ofSeconds(30));
	}

	@Test
	void aMalformedDeadlineAttributeIsRejectedWithAClearMessage(ProviderSimulator simulator) {
		RestClient client = client(simulator, RetrySettings.DEFAULT, false);

		assertThatExceptionOfType(IllegalArgumentException.class)
			.isThrownBy(() -> post(client, body("gpt-4o"),
					Map.of(LlmGuardRestClientInterceptor.MAX_TOTAL_TIME, "soon")))
			.withMessageContaining("llm-guard.max-total-time")
			.withMessageContaining("20s");
		assertThat(simulator.stats().requests()).isZero();
	}

	@Test
	void theNextModelAnswersWhenTheFirstKeepsAnswering429(ProviderSimulator simulator) {
		simulator.rateLimitModel("gpt-4o", Duration.ofSeconds(60));
		RestClient client = client(simulator, RetrySettings.DEFAULT, true);

		String answer = post(client, body("gpt-4o"), Map.of());

		assertThat(answer).contains("gpt-4o-mini");
		assertThat(elapsed()).isZero();
		assertThat(finished().model()).isEqualTo("gpt-4o-mini");
	}

	private Duration elapsed() {
		return Duration.between(this.start, this.clock.instant());
	}

	private GuardEvent.CallFinished finished() {
		return this.events.stream()
			.filter(GuardEvent.CallFinished.class::isInstance)
			.map(GuardEvent.CallFinished.class::cast)
			.reduce((first, second) -> second)
			.orElseThrow();
	}

	private RestClient client(ProviderSimulator simulator, RetrySettings retry, boolean chain) {
		GuardSettings.Builder settings = GuardSettings.builder()
			.retry(retry)
			.provider(new ProviderSpec("openai", simulator.baseUrl(), RateLimits.NONE, null, Duration.ofSeconds(30),
					Map.of(GPT_4O.model(), new ModelSpec(GPT_4O, null, 128_000, 1024, null), MINI.model(),
							new ModelSpec(MINI, null, 128_000, 1024, null))));
		if (chain) {
			settings.chain(new ChainSpec("default", List.of(GPT_4O, MINI), Duration.ofSeconds(60), null));
		}
		this.engine = LlmGuardEngine.builder(settings.build())
			.clock(this.clock)
			.classifier(new RestClientErrorClassifier())
			.listener(this.events::add)
			.build();
		return RestClient.builder()
			.baseUrl(simulator.baseUrl())
			.requestInterceptor(new LlmGuardRestClientInterceptor(this.engine))
			.build();
	}

	private static String body(String model) {
		return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}";
	}

	private static String post(RestClient client, String body, Map<String, Object> attributes) {
		return client.post()
			.uri(CHAT)
			.attributes(all -> all.putAll(attributes))
			.contentType(MediaType.APPLICATION_JSON)
			.body(body)
			.retrieve()
			.body(String.class);
	}

}

package dev.llmguard.http;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.http.MediaType;
import org.springframework.web.client.RestClient;

import dev.llmguard.actuate.LlmGuardEndpoint;
import dev.llmguard.actuate.LlmGuardEndpoint.LimitDescriptor;
import dev.llmguard.core.LlmGuardEngine;
import dev.llmguard.core.RateLimitExceededException;
import dev.llmguard.core.config.ChainSpec;
import dev.llmguard.core.config.GuardSettings;
import dev.llmguard.core.config.LimitsMode;
import dev.llmguard.core.config.ModelSpec;
import dev.llmguard.core.config.ProviderSpec;
import dev.llmguard.core.config.RateLimits;
import dev.llmguard.core.config.RetrySettings;
import dev.llmguard.core.event.GuardEvent;
import dev.llmguard.core.limit.Demand;
import dev.llmguard.core.limit.NoCapacityException;
import dev.llmguard.core.limit.RatePermit;
import dev.llmguard.core.model.ModelRef;
import dev.llmguard.core.time.ManualGuardClock;
import dev.llmguard.test.junit.ProviderSimulatorExtension;
import dev.llmguard.test.simulator.ProviderSimulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The guard learns the provider's limits from its answers' headers, through the RestClient interceptor,
 * against the simulator's OpenAI endpoint. The guard's clock stands still, so its buckets refill only
 * by what the provider reports.
 */
@ExtendWith(OutputCaptureExtension.class)
class LearnedLimitsTests {

	private static final String OPENAI_CHAT = "/v1/chat/completions";

	private static final ModelRef GPT_4O = new ModelRef("openai", "gpt-4o");

	private static final ModelRef MINI = new ModelRef("openai", "gpt-4o-mini");

	@RegisterExtension
	static final ProviderSimulatorExtension simulatorExtension = ProviderSimulatorExtension.builder()
		.outputTokens(30)
		.requestsPerMinute(1000)
		.tokensPerMinute(10_000)
		.build();

	private final ManualGuardClock clock = new ManualGuardClock(Instant.parse("2026-11-22T10:00:00Z"));

	private final List<GuardEvent> events = new CopyOnWriteArrayList<>();

	private LlmGuardEngine engine;

	@AfterEach
	void closeEngine() {
		if (this.engine != null) {
			this.engine.close();
		}
	}

	@Test
	void bucketDropsToWhatTheProviderReportsWhenANeighbourDrawsFromTheKey(ProviderSimulator simulator) {
		RestClient client = client(simulator, provider(simulator, new RateLimits(null, 10_000L, null, null, null, null),
				LimitsMode.DECLARED));
		post(client, "first");
		long before = tokensAvailable();
		simulator.drawFromQuota(0, 7_000); // another service on the same key, unseen by the guard

		post(client, "second");

		LimitDescriptor tokens = tokensPerMinute();
		assertThat(tokens.remaining()).isLessThan(3_000);
		assertThat(tokens.remainingAt()).isEqualTo(this.clock.instant());
		assertThat(tokens.available()).isLessThanOrEqualTo(tokens.remaining()).isLessThan(before - 7_000);
		// from now on the guard refuses before the provider would: calls pass until the key is spent, no 429
		int passed = 0;
		for (int i = 0; i < 40; i++) {
			try {
				post(client, "more " + i);
				passed++;
			}
			catch (RateLimitExceededException ex) {
				break;
			}
		}
		assertThat(passed).isBetween(1, 39);
		assertThat(simulator.stats().rateLimited()).isZero();
	}

	@Test
	void withoutLearningTheSameNeighbourDrawsRateLimits(ProviderSimulator simulator) {
		RestClient client = client(simulator, provider(simulator, new RateLimits(null, 10_000L, null, null, null, null),
				LimitsMode.FIXED));
		post(client, "first");
		simulator.drawFromQuota(0, 7_000);

		for (int i = 0; i < 40 && simulator.stats().rateLimited() == 0; i++) {
			try {
				post(client, "more " + i);
			}
			catch (RuntimeException ex) {
				// the provider's 429 after retries, or the guard's own refusal
			}
		}

		assertThat(simulator.stats().rateLimited()).isPositive();
		assertThat(tokensPerMinute().learned()).isNull();
	}

	@Test
	void lowerReportedLimitIsUsedAndToldOnceWithBothNumbers(ProviderSimulator simulator, CapturedOutput output) {
		RestClient client = client(simulator, provider(simulator, new RateLimits(null, 50_000L, null, null, null, null),
				LimitsMode.DECLARED));

		post(client, "first");
		post(client, "second");

		assertThat(events(GuardEvent.LimitLearned.class)).singleElement().satisfies((learned) -> {
			assertThat(learned.limit()).isEqualTo("tokens-per-minute");
			assertThat(learned.declared()).isEqualTo(50_000L);
			assertThat(learned.reported()).isEqualTo(10_000L);
			assertThat(learned.model()).isNull();
		});
		assertThat(output.getOut().split("lower than the 50,000 declared", -1)).hasSize(2);
		LimitDescriptor tokens = tokensPerMinute();
		assertThat(tokens.declared()).isEqualTo(50_000L);
		assertThat(tokens.learned()).isEqualTo(10_000L);
		assertThat(tokens.capacity()).isEqualTo(10_000L);
		assertThat(tokens.available()).isLessThanOrEqualTo(tokens.remaining());
	}

	@Test
	void higherReportedLimitNeverRaisesTheDeclaredOne(ProviderSimulator simulator) {
		RestClient client = client(simulator, provider(simulator, new RateLimits(null, 4_000L, null, null, null, null),
				LimitsMode.DECLARED));

		post(client, "first");

		LimitDescriptor tokens = tokensPerMinute();
		assertThat(tokens.learned()).isEqualTo(10_000L);
		assertThat(tokens.capacity()).isEqualTo(4_000L);
		assertThat(events(GuardEvent.LimitLearned.class)).isEmpty();
	}

	@Test
	void autoLimitsLetOneCallInFlightUntilTheFirstAnswerThenRunOnTheReportedLimits(ProviderSimulator simulator)
			throws InterruptedException {
		RestClient client = client(simulator, provider(simulator, RateLimits.NONE, LimitsMode.AUTO));
		RatePermit first = acquire();
		assertThatExceptionOfType(NoCapacityException.class).isThrownBy(this::acquire)
			.withMessageContaining("one call at a time until the provider's first answer");
		first.release(); // no answer: still cautious
		RatePermit again = acquire();
		assertThatExceptionOfType(NoCapacityException.class).isThrownBy(this::acquire);
		again.release();

		post(client, "first");

		RatePermit one = acquire();
		RatePermit two = acquire();
		one.release();
		two.release();
		assertThat(events(GuardEvent.LimitLearned.class)).extracting(GuardEvent.LimitLearned::limit, GuardEvent.LimitLearned::reported)
			.containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("requests-per-minute", 1000L),
					org.assertj.core.groups.Tuple.tuple("tokens-per-minute", 10_000L));
		Map<String, LimitDescriptor> limits = providerLimits();
		assertThat(limits.get("tokens-per-minute").capacity()).isEqualTo(10_000L);
		assertThat(limits.get("tokens-per-minute").declared()).isNull();
		assertThat(limits.get("requests-per-minute").capacity()).isEqualTo(1000L);
		assertThat(limits.get("requests-per-minute").available())
			.isLessThanOrEqualTo(limits.get("requests-per-minute").remaining());
	}

	@Test
	void spentQuotaClosesTheModelUntilTheNextMidnightWithoutRetriesAndTheChainMovesOn(ProviderSimulator simulator) {
		ProviderSpec provider = provider(simulator, RateLimits.NONE, LimitsMode.DECLARED);
		RestClient client = client(simulator, settings(provider)
			.chain(new ChainSpec("default", List.of(GPT_4O, MINI), Duration.ofSeconds(60), null))
			.build());
		simulator.exhaustQuota("gpt-4o");

		String first = post(client, "first");
		String second = post(client, "second");

		assertThat(first).contains("gpt-4o-mini");
		assertThat(second).contains("gpt-4o-mini");
		assertThat(simulator.stats().rateLimited()).isEqualTo(1); // asked once: no retry, and closed after
		assertThat(events(GuardEvent.Retried.class)).isEmpty();
		assertThat(events(GuardEvent.QuotaExhausted.class)).singleElement().satisfies((exhausted) -> {
			assertThat(exhausted.model()).isEqualTo("gpt-4o");
			assertThat(exhausted.resetsAt()).isEqualTo(Instant.parse("2026-11-23T00:00:00Z"));
		});
		assertThat(this.engine.cooldowns().cooldownUntil(GPT_4O, this.clock.instant()))
			.isEqualTo(Instant.parse("2026-11-23T00:00:00Z"));
		this.clock.advance(Duration.ofHours(14));
		simulator.clearExhaustedQuotas();
		assertThat(post(client, "after midnight")).contains("gpt-4o").doesNotContain("gpt-4o-mini");
	}

	@Test
	void spentQuotaRefusesASingleModelCallAtOnceUntilItsReset(ProviderSimulator simulator) {
		RestClient client = client(simulator, provider(simulator, RateLimits.NONE, LimitsMode.DECLARED));
		simulator.exhaustQuota("gpt-4o");
		assertThatExceptionOfType(RuntimeException.class).isThrownBy(() -> post(client, "first"));

		assertThatExceptionOfType(RateLimitExceededException.class).isThrownBy(() -> post(client, "second"))
			.satisfies((ex) -> {
				assertThat(ex.getModel()).isEqualTo("gpt-4o");
				assertThat(ex.getRetryAfter())
					.isEqualTo(Duration.between(this.clock.instant(), Instant.parse("2026-11-23T00:00:00Z")));
				assertThat(ex.getMessage()).contains("quota is spent", "2026-11-23T00:00:00Z")
					.doesNotContain("rate limit");
			});
		assertThat(simulator.stats().requests()).isEqualTo(1); // the provider was not asked again
		this.clock.advance(Duration.ofHours(14));
		simulator.clearExhaustedQuotas();
		assertThat(post(client, "after midnight")).contains("gpt-4o");
	}

	@Test
	void aChainWhoseModelsAreAllClosedSaysWhyEachWas(ProviderSimulator simulator) {
		ProviderSpec provider = provider(simulator, RateLimits.NONE, LimitsMode.DECLARED);
		RestClient client = client(simulator, settings(provider)
			.chain(new ChainSpec("default", List.of(GPT_4O, MINI), Duration.ofSeconds(60), null))
			.build());
		this.engine.cooldowns().closeForQuota(GPT_4O, Instant.parse("2026-11-23T00:00:00Z"));
		this.engine.cooldowns().coolDown(MINI, this.clock.instant().plusSeconds(30));

		assertThatExceptionOfType(RateLimitExceededException.class).isThrownBy(() -> post(client, "first"))
			.withMessageContaining("openai/gpt-4o's quota is spent");
		assertThat(simulator.stats().requests()).isZero();
	}

	// ---------------------------------------------------------------- fixtures

	private RatePermit acquire() throws InterruptedException {
		return this.engine.limiters().acquire(GPT_4O, new Demand(10, 10), 5, Duration.ZERO);
	}

	private RestClient client(ProviderSimulator simulator, ProviderSpec provider) {
		return client(simulator, settings(provider).build());
	}

	private RestClient client(ProviderSimulator simulator, GuardSettings settings) {
		this.engine = LlmGuardEngine.builder(settings)
			.clock(this.clock)
			.classifier(new RestClientErrorClassifier())
			.listener(this.events::add)
			.build();
		return RestClient.builder()
			.baseUrl(simulator.baseUrl())
			.requestInterceptor(new LlmGuardRestClientInterceptor(this.engine))
			.build();
	}

	private static ProviderSpec provider(ProviderSimulator simulator, RateLimits limits, LimitsMode mode) {
		return new ProviderSpec("openai", simulator.baseUrl(), limits, null, Duration.ZERO,
				Map.of("gpt-4o", new ModelSpec(GPT_4O, null, 128_000, 1024, null), "gpt-4o-mini",
						new ModelSpec(MINI, null, 128_000, 1024, null)),
				mode, ZoneOffset.UTC);
	}

	private static GuardSettings.Builder settings(ProviderSpec provider) {
		return GuardSettings.builder()
			.headroom(1.0)
			.retry(new RetrySettings(2, Duration.ofMillis(100), 2.0, Duration.ofSeconds(1), Duration.ofSeconds(5)))
			.provider(provider);
	}

	private static String post(RestClient client, String prompt) {
		String body = "{\"model\":\"gpt-4o\",\"max_tokens\":200,\"messages\":[{\"role\":\"user\",\"content\":\""
				+ prompt + "\"}]}";
		return client.post()
			.uri(OPENAI_CHAT)
			.contentType(MediaType.APPLICATION_JSON)
			.body(body)
			.retrieve()
			.body(String.class);
	}

	private Map<String, LimitDescriptor> providerLimits() {
		return new LlmGuardEndpoint(this.engine).guard().providers().get("openai").limits();
	}

	private LimitDescriptor tokensPerMinute() {
		return providerLimits().get("tokens-per-minute");
	}

	private long tokensAvailable() {
		return tokensPerMinute().available();
	}

	private <T extends GuardEvent> List<T> events(Class<T> type) {
		return this.events.stream().filter(type::isInstance).map(type::cast).toList();
	}

}

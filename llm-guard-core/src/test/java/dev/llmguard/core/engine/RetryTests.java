package dev.llmguard.core.engine;

import java.io.IOException;
import java.net.ConnectException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import dev.llmguard.core.CallRequest;
import dev.llmguard.core.event.GuardEvent;
import dev.llmguard.core.retry.ProviderResponseException;

import static dev.llmguard.core.engine.EngineFixtures.GPT_4O;
import static dev.llmguard.core.engine.EngineFixtures.MINI;
import static dev.llmguard.core.engine.EngineFixtures.requestsPerDay;
import static dev.llmguard.core.engine.EngineFixtures.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * §3 step 2.4: transient failures are retried with exponential backoff and equal jitter, or after the
 * provider's Retry-After (capped); client errors never are; each attempt takes one more request.
 * Requests are counted per day so that the few seconds of backoff refill nothing.
 */
class RetryTests {

	private final EngineFixtures.Guard guard = EngineFixtures.guard(s -> s.providerLimits = requestsPerDay(100));

	private final ScriptedProvider provider = new ScriptedProvider();

	private final Instant start = this.guard.clock.instant();

	private String callModel() throws Throwable {
		return this.guard.engine.execute(CallRequest.builder().model(GPT_4O).prompt("Hello").build(), this.provider,
				text -> text);
	}

	private String callChain() throws Throwable {
		return this.guard.engine.execute(CallRequest.builder().chain("default").prompt("Hello").build(),
				this.provider, text -> text);
	}

	private Duration slept() {
		return Duration.between(this.start, this.guard.clock.instant());
	}

	@Test
	void transientFailuresAreRetriedWithExponentialBackoffAndEqualJitter() throws Throwable {
		this.provider.on(GPT_4O, status(503), status(503));

		assertThat(callModel()).isEqualTo("gpt-4o");

		assertThat(this.provider.contexts()).extracting(c -> c.attempt()).containsExactly(1, 2, 3);
		List<GuardEvent.Retried> retries = this.guard.events(GuardEvent.Retried.class);
		assertThat(retries).extracting(GuardEvent.Retried::attempt).containsExactly(1, 2);
		assertThat(retries).extracting(GuardEvent.Retried::reason).containsOnly("transient");
		// initial 1 s × 2^n, half of it fixed and half random: [0.5 s, 1 s), then [1 s, 2 s)
		assertThat(retries.get(0).backoff()).isBetween(Duration.ofMillis(500), Duration.ofMillis(1000));
		assertThat(retries.get(1).backoff()).isBetween(Duration.ofMillis(1000), Duration.ofMillis(2000));
		assertThat(slept()).isEqualTo(retries.get(0).backoff().plus(retries.get(1).backoff()));
		assertThat(this.guard.finished().outcome()).isEqualTo("success");
		this.guard.assertNothingHeld();
	}

	@Test
	void everyAttemptTakesOneMoreRequestFromTheRequestBucket() throws Throwable {
		this.provider.on(GPT_4O, status(503), status(502));

		callModel();

		assertThat(this.guard.available("requests-per-day")).isEqualTo(97);
	}

	@Test
	void retryAfterOfTheProviderIsHonouredExactly() throws Throwable {
		this.provider.on(GPT_4O, status(429, Duration.ofSeconds(7)));

		assertThat(callModel()).isEqualTo("gpt-4o");

		assertThat(slept()).isEqualTo(Duration.ofSeconds(7));
		assertThat(this.guard.events(GuardEvent.Retried.class)).singleElement().satisfies(retried -> {
			assertThat(retried.backoff()).isEqualTo(Duration.ofSeconds(7));
			assertThat(retried.reason()).isEqualTo("rate_limited");
		});
	}

	@Test
	void retryAfterLongerThanMaxRetryAfterIsCapped() throws Throwable {
		this.provider.on(GPT_4O, status(503, Duration.ofMinutes(10)));

		callModel();

		assertThat(slept()).isEqualTo(EngineFixtures.RETRY.maxRetryAfter());
	}

	@Test
	void givesUpAfterMaxAttemptsAndRaisesTheProvidersError() {
		ProviderResponseException unavailable = status(503);
		this.provider.always(GPT_4O, unavailable);

		assertThatExceptionOfType(ProviderResponseException.class).isThrownBy(this::callModel).isSameAs(unavailable);

		assertThat(this.provider.calls()).hasSize(EngineFixtures.RETRY.maxAttempts());
		assertThat(this.guard.events(GuardEvent.Retried.class)).hasSize(EngineFixtures.RETRY.maxAttempts() - 1);
		assertThat(this.guard.available("requests-per-day")).isEqualTo(100 - EngineFixtures.RETRY.maxAttempts());
		assertThat(this.guard.finished().outcome()).isEqualTo("failed");
		this.guard.assertNothingHeld();
	}

	@ParameterizedTest
	@ValueSource(ints = { 400, 401, 403, 404 })
	void clientErrorsAreNeitherRetriedNorFailedOver(int status) {
		this.provider.on(GPT_4O, status(status));

		assertThatExceptionOfType(ProviderResponseException.class).isThrownBy(this::callChain)
			.satisfies(ex -> assertThat(ex.getStatus()).isEqualTo(status));

		assertThat(this.provider.calls()).containsExactly(GPT_4O);
		assertThat(slept()).isZero();
		assertThat(this.guard.finished().outcome()).isEqualTo("failed");
		this.guard.assertNothingHeld();
	}

	@Test
	void exhaustedQuotaIsNotRetriedButFailsOver() throws Throwable {
		this.provider.on(GPT_4O, status(429, "insufficient_quota"));

		assertThat(callChain()).isEqualTo("gpt-4o-mini");

		assertThat(this.provider.calls()).containsExactly(GPT_4O, MINI);
		assertThat(this.guard.events(GuardEvent.Retried.class)).isEmpty();
		assertThat(this.guard.events(GuardEvent.FellBack.class)).extracting(GuardEvent.FellBack::reason)
			.containsExactly("quota_exhausted");
	}

	@Test
	void exhaustedQuotaOfASingleModelIsRaisedWithoutRetry() {
		this.provider.always(GPT_4O, status(429, "insufficient_quota"));

		assertThatExceptionOfType(ProviderResponseException.class).isThrownBy(this::callModel);

		assertThat(this.provider.calls()).containsExactly(GPT_4O);
	}

	@Test
	void contextLengthExceededFailsOverToTheNextModel() throws Throwable {
		this.provider.on(GPT_4O, status(400, "context_length_exceeded"));

		assertThat(callChain()).isEqualTo("gpt-4o-mini");

		assertThat(this.provider.calls()).containsExactly(GPT_4O, MINI);
		assertThat(this.guard.events(GuardEvent.FellBack.class)).extracting(GuardEvent.FellBack::reason)
			.containsExactly("context_length");
	}

	@Test
	void connectionErrorsAreRetried() throws Throwable {
		this.provider.on(GPT_4O, new ConnectException("Connection refused"));

		assertThat(callModel()).isEqualTo("gpt-4o");

		assertThat(this.provider.calls()).containsExactly(GPT_4O, GPT_4O);
		assertThat(this.guard.events(GuardEvent.Retried.class)).singleElement()
			.satisfies(retried -> assertThat(retried.reason()).isEqualTo("transient"));
	}

	@Test
	void otherIoErrorsAreNotRetried() {
		IOException malformed = new IOException("malformed JSON in the response");
		this.provider.on(GPT_4O, malformed);

		assertThatExceptionOfType(IOException.class).isThrownBy(this::callChain).isSameAs(malformed);

		assertThat(this.provider.calls()).containsExactly(GPT_4O);
		this.guard.assertNothingHeld();
	}

}

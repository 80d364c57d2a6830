package dev.llmguard.core.engine;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.llmguard.core.CallRequest;
import dev.llmguard.core.RateLimitExceededException;
import dev.llmguard.core.event.GuardEvent;
import dev.llmguard.core.model.Usage;
import dev.llmguard.core.retry.ProviderResponseException;

import static dev.llmguard.core.engine.EngineFixtures.CANNED;
import static dev.llmguard.core.engine.EngineFixtures.GPT_4O;
import static dev.llmguard.core.engine.EngineFixtures.MINI;
import static dev.llmguard.core.engine.EngineFixtures.requestsPerMinute;
import static dev.llmguard.core.engine.EngineFixtures.status;
import static dev.llmguard.core.engine.InterruptTests.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * §3: a deadline ({@code max-total-time}) bounds every call: its waits for capacity, its retries and
 * their pauses together, measured on the guard's clock from the call's start. A pause longer than what
 * is left is not taken: the call moves to the next model, or fails at once as {@code rate_limited} with
 * the provider's Retry-After. The clock is a manual one: every duration asserted is the clock's.
 */
class DeadlineTests {

	private static final Duration DEADLINE = Duration.ofSeconds(20);

	private final ScriptedProvider provider = new ScriptedProvider();

	private EngineFixtures.Guard guard = EngineFixtures.guard(s -> s.maxWait = Duration.ofSeconds(40));

	private Instant start = this.guard.clock.instant();

	private CallRequest gpt4o() {
		return CallRequest.builder().model(GPT_4O).estimatedInputTokens(100L).maxTotalTime(DEADLINE).build();
	}

	private Duration elapsed() {
		return Duration.between(this.start, this.guard.clock.instant());
	}

	@Test
	void aRetryAfterLongerThanWhatIsLeftFailsAtOnceWithRateLimitedAndTheProvidersRetryAfter() {
		this.provider.always(GPT_4O, status(429, Duration.ofSeconds(25)));

		assertThatExceptionOfType(RateLimitExceededException.class)
			.isThrownBy(() -> this.guard.engine.execute(gpt4o(), this.provider, text -> text))
			.satisfies(ex -> {
				assertThat(ex.code()).isEqualTo("rate_limited");
				assertThat(ex.getRetryAfter()).isEqualTo(Duration.ofSeconds(25));
				assertThat(ex.getProvider()).isEqualTo("openai");
				assertThat(ex.getModel()).isEqualTo("gpt-4o");
				assertThat(ex.getMessage()).contains("asked to retry in 25s", "20s left", "max-total-time 20s");
				assertThat(ex.getCause()).isInstanceOf(ProviderResponseException.class);
			});

		assertThat(elapsed()).isZero();
		assertThat(this.provider.calls()).hasSize(1);
		assertThat(this.guard.events(GuardEvent.Retried.class)).isEmpty();
		assertThat(this.guard.finished().outcome()).isEqualTo("rate_limited");
		this.guard.assertNothingHeld();
	}

	@Test
	void retriesAndTheirPausesStopAtTheDeadline() {
		this.provider.always(GPT_4O, status(429, Duration.ofSeconds(7)));

		assertThatExceptionOfType(RateLimitExceededException.class)
			.isThrownBy(() -> this.guard.engine.execute(gpt4o(), this.provider, text -> text))
			.satisfies(ex -> assertThat(ex.getRetryAfter()).isEqualTo(Duration.ofSeconds(7)));

		// tries at 0 s, 7 s and 14 s; at 14 s a third pause of 7 s would end past the 20 s deadline
		assertThat(elapsed()).isEqualTo(Duration.ofSeconds(14)).isLessThanOrEqualTo(DEADLINE);
		assertThat(this.provider.calls()).hasSize(3);
		assertThat(this.guard.events(GuardEvent.Retried.class)).hasSize(2);
		assertThat(this.guard.finished().duration()).isEqualTo(Duration.ofSeconds(14));
		this.guard.assertNothingHeld();
	}

	@Test
	void backoffsThatWouldEndPastTheDeadlineAreNotTakenAndTheProvidersErrorIsRaised() {
		// attempts that take 8 s each: the backoff after the third would end past the deadline
		ProviderResponseException unavailable = status(503);
		CallRequest request = gpt4o();

		assertThatExceptionOfType(ProviderResponseException.class).isThrownBy(() -> this.guard.engine
			.execute(request, context -> {
				this.guard.clock.advance(Duration.ofSeconds(8));
				throw unavailable;
			}, text -> text)).isSameAs(unavailable);

		assertThat(this.guard.events(GuardEvent.Retried.class)).hasSizeLessThan(EngineFixtures.RETRY.maxAttempts() - 1);
		assertThat(elapsed()).isLessThanOrEqualTo(DEADLINE.plusSeconds(8));
		assertThat(this.guard.finished().outcome()).isEqualTo("failed");
		this.guard.assertNothingHeld();
	}

	@Test
	void theDeadlineAppliesFromSettingsWhenTheCallSetsNone() {
		this.guard = EngineFixtures.guard(s -> s.retry = EngineFixtures.maxTotalTime(Duration.ofSeconds(5)));
		this.start = this.guard.clock.instant();
		this.provider.always(GPT_4O, status(429, Duration.ofSeconds(6)));

		assertThatExceptionOfType(RateLimitExceededException.class).isThrownBy(() -> this.guard.engine
			.execute(CallRequest.builder().model(GPT_4O).prompt("Hello").build(), this.provider, text -> text))
			.satisfies(ex -> assertThat(ex.getMessage()).contains("max-total-time 5s"));

		assertThat(elapsed()).isZero();
	}

	@Test
	void aRetryAfterLongerThanWhatIsLeftMovesToTheNextModelAtOnce() throws Throwable {
		// a 503 is no rate limit: without the deadline, gpt-4o would be retried after its Retry-After
		this.provider.on(GPT_4O, status(503, Duration.ofSeconds(25)));
		CallRequest request = CallRequest.builder().chain("default").prompt("Hello").maxTotalTime(DEADLINE).build();

		assertThat(this.guard.engine.execute(request, this.provider, text -> text)).isEqualTo("gpt-4o-mini");

		assertThat(elapsed()).isZero();
		assertThat(this.provider.calls()).containsExactly(GPT_4O, MINI);
		assertThat(this.guard.events(GuardEvent.FellBack.class)).extracting(GuardEvent.FellBack::from)
			.containsExactly(GPT_4O.toString());
		this.guard.assertNothingHeld();
	}

	@Test
	void whenTheLastModelOfAChainRunsOutOfTimeTheChainsFallbackResponseAnswers() throws Throwable {
		this.provider.always(GPT_4O, status(429, Duration.ofSeconds(60)));
		this.provider.always(MINI, status(429, Duration.ofSeconds(60)));
		CallRequest request = CallRequest.builder().chain("canned").prompt("Hello").maxTotalTime(DEADLINE).build();

		assertThat(this.guard.engine.execute(request, this.provider, text -> text)).isEqualTo(CANNED);

		assertThat(elapsed()).isZero();
		assertThat(this.provider.calls()).containsExactly(GPT_4O, MINI);
		assertThat(this.guard.finished().outcome()).isEqualTo("fallback_response");
		this.guard.assertNothingHeld();
	}

	@Test
	void aWaitForCapacityNeverGoesPastTheDeadline() throws Throwable {
		// two requests a minute: the third call's request comes 30 s later, past its 20 s deadline
		this.guard = EngineFixtures.guard(s -> {
			s.providerLimits = requestsPerMinute(2);
			s.maxWait = Duration.ofSeconds(40);
		});
		this.start = this.guard.clock.instant();
		this.guard.engine.execute(gpt4o(), this.provider, text -> text);
		this.guard.engine.execute(gpt4o(), this.provider, text -> text);

		CompletableFuture<String> third = CompletableFuture.supplyAsync(() -> call(gpt4o()));

		assertThatExceptionOfType(ExecutionException.class).isThrownBy(() -> third.get(10, TimeUnit.SECONDS))
			.havingCause()
			.isInstanceOf(RateLimitExceededException.class)
			.withMessageContaining("the call's deadline (max-total-time 20s) left 20s to wait");
		assertThat(elapsed()).isZero();
		assertThat(this.provider.calls()).hasSize(2);
		this.guard.assertNothingHeld();
	}

	@Test
	void timeSpentWaitingForCapacityShortensWhatIsLeftForRetries() throws Throwable {
		this.guard = EngineFixtures.guard(s -> {
			s.providerLimits = requestsPerMinute(2);
			s.maxWait = Duration.ofSeconds(40);
		});
		this.start = this.guard.clock.instant();
		this.guard.engine.execute(gpt4o(), this.provider, text -> text);
		this.guard.engine.execute(gpt4o(), this.provider, text -> text);
		this.provider.always(GPT_4O, status(429, Duration.ofSeconds(20)));
		CallRequest request = gpt4o().toBuilder().maxTotalTime(Duration.ofSeconds(45)).build();

		CompletableFuture<String> waiting = CompletableFuture.supplyAsync(() -> call(request));
		eventually(() -> this.guard.limits().waiting() == 1, "the call waits for a request");
		this.guard.clock.advance(Duration.ofSeconds(30));

		// it got its request after 30 s; a Retry-After of 20 s is more than the 15 s left
		assertThatExceptionOfType(ExecutionException.class).isThrownBy(() -> waiting.get(10, TimeUnit.SECONDS))
			.havingCause()
			.isInstanceOf(RateLimitExceededException.class)
			.satisfies(ex -> assertThat(((RateLimitExceededException) ex).getRetryAfter())
				.isEqualTo(Duration.ofSeconds(20)))
			.withMessageContaining("15s left");
		assertThat(elapsed()).isEqualTo(Duration.ofSeconds(30));
		assertThat(this.provider.calls()).hasSize(3);
		this.guard.assertNothingHeld();
	}

	@Test
	void anAsynchronousCallFailsAtOnceToo() {
		this.provider.always(GPT_4O, status(429, Duration.ofSeconds(25)));

		CompletableFuture<String> answer = this.guard.engine.executeAsync(gpt4o(), this.provider.async(),
				text -> text);

		assertThatExceptionOfType(ExecutionException.class).isThrownBy(() -> answer.get(10, TimeUnit.SECONDS))
			.havingCause()
			.isInstanceOf(RateLimitExceededException.class);
		assertThat(elapsed()).isZero();
		this.guard.assertNothingHeld();
	}

	@Test
	void modelRequestsMadeInsideACallKeepThatCallsDeadline() {
		// the second request's Retry-After of 10 s would fit a deadline of its own, not the 5 s the call has left
		this.provider.on(GPT_4O, new Usage(100, 10), status(429, Duration.ofSeconds(10)));
		CallRequest request = CallRequest.builder().estimatedInputTokens(50L).build();

		assertThatExceptionOfType(RateLimitExceededException.class).isThrownBy(() -> this.guard.engine.execute(gpt4o(),
				outer -> {
					this.guard.engine.executeRequest(request, this.provider, text -> text);
					this.guard.clock.advance(Duration.ofSeconds(15)); // the method's own work between two requests
					return this.guard.engine.executeRequest(request, this.provider, text -> text);
				}, text -> text))
			.withMessageContaining("asked to retry in 10s, longer than the 5s left");

		assertThat(elapsed()).isEqualTo(Duration.ofSeconds(15));
		assertThat(this.provider.calls()).hasSize(2);
		this.guard.assertNothingHeld();
	}

	@Test
	void aCallThatSucceedsWithinItsDeadlineIsUnchanged() throws Throwable {
		this.provider.on(GPT_4O, status(429, Duration.ofSeconds(7)), new Usage(100, 10));

		assertThat(this.guard.engine.execute(gpt4o(), this.provider, text -> text)).isEqualTo("gpt-4o");

		assertThat(elapsed()).isEqualTo(Duration.ofSeconds(7));
		assertThat(this.guard.finished().outcome()).isEqualTo("success");
	}

	private String call(CallRequest request) {
		try {
			return this.guard.engine.execute(request, this.provider, text -> text);
		}
		catch (RuntimeException ex) {
			throw ex;
		}
		catch (Throwable ex) {
			throw new IllegalStateException(ex);
		}
	}

}

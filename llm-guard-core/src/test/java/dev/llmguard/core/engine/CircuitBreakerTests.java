package dev.llmguard.core.engine;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import dev.llmguard.core.Attempt;
import dev.llmguard.core.BudgetExceededException;
import dev.llmguard.core.CallRequest;
import dev.llmguard.core.Decision;
import dev.llmguard.core.GuardedCall;
import dev.llmguard.core.RateLimitExceededException;
import dev.llmguard.core.breaker.BreakerState;
import dev.llmguard.core.breaker.CircuitBreakers;
import dev.llmguard.core.config.BreakerPolicy;
import dev.llmguard.core.config.BreakerSettings;
import dev.llmguard.core.config.BudgetScope;
import dev.llmguard.core.config.ChainSpec;
import dev.llmguard.core.config.OnExceeded;
import dev.llmguard.core.config.RetrySettings;
import dev.llmguard.core.event.GuardEvent;
import dev.llmguard.core.model.Usage;
import dev.llmguard.core.retry.FailureKind;
import dev.llmguard.core.retry.ProviderResponseException;

import static dev.llmguard.core.engine.EngineFixtures.GPT_4O;
import static dev.llmguard.core.engine.EngineFixtures.MINI;
import static dev.llmguard.core.engine.EngineFixtures.SMALL;
import static dev.llmguard.core.engine.EngineFixtures.costBudget;
import static dev.llmguard.core.engine.EngineFixtures.notShrinking;
import static dev.llmguard.core.engine.EngineFixtures.requestsPerMinute;
import static dev.llmguard.core.engine.EngineFixtures.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * A circuit breaker per model, on the manual clock: three failures within a minute open a model for
 * its chain's cooldown (30 s outside a chain); after it one probe decides; a failing probe doubles the
 * open time up to two minutes; a model failing again while open never gets a shorter open time.
 * Retries are off, so each failed call is one failure and no time passes during a call.
 */
class CircuitBreakerTests {

	private static final BreakerPolicy POLICY = new BreakerPolicy(true, 3, Duration.ofSeconds(60),
			Duration.ofSeconds(30), Duration.ofMinutes(2));

	private final EngineFixtures.Guard guard = EngineFixtures.guard(s -> {
		s.retry = new RetrySettings(1, Duration.ZERO, 2.0, Duration.ZERO, Duration.ZERO);
		s.breaker = BreakerSettings.of(POLICY);
		s.chain(new ChainSpec("quick", List.of(GPT_4O, MINI), Duration.ofSeconds(10), null));
	});

	private final ScriptedProvider provider = new ScriptedProvider();

	private final Instant start = this.guard.clock.instant();

	private String callGpt4o() throws Throwable {
		return call(CallRequest.builder().model(GPT_4O).prompt("Hello").build());
	}

	private String call(CallRequest request) throws Throwable {
		return this.guard.engine.execute(request, this.provider, text -> text);
	}

	private String callChain(String chain) throws Throwable {
		return call(CallRequest.builder().chain(chain).prompt("Hello").build());
	}

	/** Fails a call of gpt-4o alone {@code times} times. */
	private void failGpt4o(int times) {
		for (int i = 0; i < times; i++) {
			assertThatExceptionOfType(ProviderResponseException.class).isThrownBy(this::callGpt4o);
		}
	}

	private BreakerState state(dev.llmguard.core.model.ModelRef model) {
		return this.guard.engine.breakers().state(model);
	}

	private List<GuardEvent.BreakerChanged> changes() {
		return this.guard.events(GuardEvent.BreakerChanged.class);
	}

	private void advance(long seconds) {
		this.guard.clock.advance(Duration.ofSeconds(seconds));
	}

	@Test
	void opensAtTheAllowedFailuresWithinTheWindowAndRefusesWithoutAskingTheProvider() {
		this.provider.always(GPT_4O, status(503));
		failGpt4o(2);
		assertThat(state(GPT_4O)).isEqualTo(new BreakerState(BreakerState.State.CLOSED, null, null, 2));
		assertThat(changes()).isEmpty();

		failGpt4o(1);

		assertThat(changes()).singleElement().satisfies((open) -> {
			assertThat(open.state()).isEqualTo("open");
			assertThat(open.until()).isEqualTo(this.start.plusSeconds(30));
			assertThat(open.openFor()).isEqualTo(Duration.ofSeconds(30));
			assertThat(open.reason()).isEqualTo("3 failures within PT1M (last: transient)");
		});
		assertThat(state(GPT_4O).state()).isEqualTo(BreakerState.State.OPEN);
		advance(29);
		assertThatExceptionOfType(RateLimitExceededException.class).isThrownBy(this::callGpt4o)
			.satisfies((ex) -> {
				assertThat(ex.getModel()).isEqualTo("gpt-4o");
				assertThat(ex.getRetryAfter()).isEqualTo(Duration.ofSeconds(1));
				assertThat(ex.getMessage()).contains("circuit breaker is open until " + this.start.plusSeconds(30));
			});
		assertThat(this.provider.callsTo(GPT_4O)).isEqualTo(3);
		assertThat(this.guard.events(GuardEvent.CallFinished.class)).last()
			.satisfies((finished) -> assertThat(finished.outcome()).isEqualTo("rate_limited"));
		this.guard.assertNothingHeld();
	}

	@Test
	void failuresOlderThanTheWindowDoNotCount() throws Throwable {
		this.provider.always(GPT_4O, status(500));
		failGpt4o(2);
		advance(60);
		failGpt4o(2);
		assertThat(state(GPT_4O)).isEqualTo(new BreakerState(BreakerState.State.CLOSED, null, null, 2));

		failGpt4o(1);
		assertThat(state(GPT_4O).state()).isEqualTo(BreakerState.State.OPEN);
		assertThat(this.provider.callsTo(GPT_4O)).isEqualTo(5);
	}

	@Test
	void chainSkipsAnOpenModelForTheChainsCooldownAndAnswersOnTheNext() throws Throwable {
		this.provider.always(GPT_4O, status(502));
		for (int i = 0; i < 3; i++) {
			assertThat(callChain("default")).isEqualTo("gpt-4o-mini");
		}
		assertThat(changes()).singleElement()
			.satisfies((open) -> assertThat(open.until()).isEqualTo(this.start.plusSeconds(60)));
		this.guard.events.clear();

		advance(59);
		assertThat(callChain("default")).isEqualTo("gpt-4o-mini");

		assertThat(this.provider.callsTo(GPT_4O)).isEqualTo(3);
		assertThat(this.guard.events(GuardEvent.FellBack.class)).singleElement().satisfies((fellBack) -> {
			assertThat(fellBack.from()).isEqualTo("openai/gpt-4o");
			assertThat(fellBack.reason()).isEqualTo("circuit_open");
		});
		this.guard.assertNothingHeld();
	}

	@Test
	void halfOpenProbeThatSucceedsClosesTheBreakerAndItsFailuresAreForgotten() throws Throwable {
		this.provider.on(GPT_4O, status(503), status(503), status(503));
		failGpt4o(3);
		advance(30);
		assertThat(state(GPT_4O).state()).isEqualTo(BreakerState.State.HALF_OPEN);

		assertThat(callGpt4o()).isEqualTo("gpt-4o");

		assertThat(changes()).extracting(GuardEvent.BreakerChanged::state, GuardEvent.BreakerChanged::reason)
			.containsExactly(org.assertj.core.groups.Tuple.tuple("open", "3 failures within PT1M (last: transient)"),
					org.assertj.core.groups.Tuple.tuple("half-open", "probe admitted"),
					org.assertj.core.groups.Tuple.tuple("closed", "probe succeeded"));
		assertThat(state(GPT_4O)).isEqualTo(BreakerState.CLOSED);
		this.provider.on(GPT_4O, status(503), status(503));
		failGpt4o(2);
		assertThat(state(GPT_4O).state()).isEqualTo(BreakerState.State.CLOSED);
		this.guard.assertNothingHeld();
	}

	@Test
	void halfOpenProbeThatFailsReopensForTwiceAsLongUpToTheCap() {
		this.provider.always(GPT_4O, status(503));
		failGpt4o(3);
		Instant probedAt = this.start;
		for (Duration expected : List.of(Duration.ofSeconds(60), Duration.ofSeconds(120), Duration.ofSeconds(120))) {
			Duration open = changes().get(changes().size() - 1).openFor();
			advance(open.toSeconds() - 1);
			assertThatExceptionOfType(RateLimitExceededException.class).isThrownBy(this::callGpt4o);
			advance(1);
			probedAt = this.guard.clock.instant();

			failGpt4o(1);

			GuardEvent.BreakerChanged reopened = changes().get(changes().size() - 1);
			assertThat(reopened.state()).isEqualTo("open");
			assertThat(reopened.reason()).isEqualTo("failed while half-open (transient)");
			assertThat(reopened.openFor()).isEqualTo(expected);
			assertThat(reopened.until()).isEqualTo(probedAt.plus(expected));
		}
		assertThat(changes()).extracting(GuardEvent.BreakerChanged::state)
			.containsExactly("open", "half-open", "open", "half-open", "open", "half-open", "open");
		// three probes, one per open time, besides the three failures that opened it
		assertThat(this.provider.callsTo(GPT_4O)).isEqualTo(6);
		this.guard.assertNothingHeld();
	}

	@Test
	void modelFailingAgainWhileOpenStaysOpenAtLeastAsLongNeverShorter() throws Throwable {
		// LiteLLM #40130: a second failure during a cooldown kept the first, shorter deadline
		this.provider.always(GPT_4O, status(503));
		GuardedCall inFlight = this.guard.engine.start(CallRequest.builder().chain("quick").prompt("Hello").build());
		Attempt attempt = inFlight.admit();
		assertThat(attempt.model()).isEqualTo(GPT_4O);
		for (int i = 0; i < 3; i++) {
			assertThat(callChain("default")).isEqualTo("gpt-4o-mini");
		}
		assertThat(state(GPT_4O).until()).isEqualTo(this.start.plusSeconds(60));
		advance(5);

		// the call admitted before the breaker opened fails now; its chain's cooldown is only 10 s
		assertThat(inFlight.giveUp(attempt, status(503))).isInstanceOf(Decision.FailOver.class);

		assertThat(changes()).last().satisfies((extended) -> {
			assertThat(extended.state()).isEqualTo("open");
			assertThat(extended.reason()).isEqualTo("failed again while open (transient)");
			assertThat(extended.openFor()).isEqualTo(Duration.ofSeconds(60));
			assertThat(extended.until()).isEqualTo(this.start.plusSeconds(65));
		});
		assertThat(state(GPT_4O).until()).isEqualTo(this.start.plusSeconds(65));
		Attempt next = inFlight.admit();
		assertThat(next.model()).isEqualTo(MINI);
		inFlight.settle(next, new Usage(10, 10), false);

		// a failing probe of the short chain doubles the open time reached, not its own 10 s
		advance(60);
		assertThat(callChain("quick")).isEqualTo("gpt-4o-mini");
		assertThat(changes()).last().satisfies((reopened) -> {
			assertThat(reopened.openFor()).isEqualTo(Duration.ofSeconds(120));
			assertThat(reopened.until()).isEqualTo(this.start.plusSeconds(65 + 120));
		});
		this.guard.assertNothingHeld();
	}

	@Test
	void probeThatNeverReachesTheModelLetsTheNextCallProbe() throws Throwable {
		this.provider.on(SMALL, status(503), status(503), status(503), status(400));
		CallRequest small = CallRequest.builder().model(SMALL).prompt("Hello").build();
		for (int i = 0; i < 3; i++) {
			assertThatExceptionOfType(ProviderResponseException.class).isThrownBy(() -> call(small));
		}
		advance(30);

		// the probe's call does not fit the model's 2,000-token window: skipped before it was sent
		CallRequest huge = small.toBuilder().prompt("x".repeat(12_000)).build();
		assertThatExceptionOfType(dev.llmguard.core.ContextWindowExceededException.class).isThrownBy(() -> call(huge));
		// a request error (400) says nothing of the model's health: the next call probes again
		assertThatExceptionOfType(ProviderResponseException.class).isThrownBy(() -> call(small));
		assertThat(state(SMALL).state()).isEqualTo(BreakerState.State.HALF_OPEN);

		assertThat(call(small)).isEqualTo("small");

		assertThat(state(SMALL)).isEqualTo(BreakerState.CLOSED);
		assertThat(changes()).extracting(GuardEvent.BreakerChanged::state)
			.containsExactly("open", "half-open", "half-open", "half-open", "closed");
		this.guard.assertNothingHeld();
	}

	@Test
	void aProbeWhoseCallABudgetRejectsLetsTheNextCallProbe() throws Throwable {
		EngineFixtures.Guard guard = EngineFixtures.guard(s -> {
			s.retry = new RetrySettings(1, Duration.ZERO, 2.0, Duration.ZERO, Duration.ZERO);
			s.breaker = BreakerSettings.of(POLICY);
			// worst cases: 10 input tokens $0.002058, 900 input tokens $0.002948
			s.budget(notShrinking(costBudget("tenant-cap", BudgetScope.TENANT, "0.0025", OnExceeded.REJECT)));
		});
		this.provider.on(SMALL, status(503), status(503), status(503));
		CallRequest small = CallRequest.builder().model(SMALL).tenant("acme").estimatedInputTokens(10L).build();
		for (int i = 0; i < 3; i++) {
			assertThatExceptionOfType(ProviderResponseException.class)
				.isThrownBy(() -> guard.engine.execute(small, this.provider, text -> text));
		}
		guard.clock.advance(Duration.ofSeconds(30));

		// the probe's call is refused by its tenant's budget before it was sent
		assertThatExceptionOfType(BudgetExceededException.class).isThrownBy(() -> guard.engine
			.execute(small.toBuilder().estimatedInputTokens(900L).build(), this.provider, text -> text));

		assertThat(guard.engine.execute(small, this.provider, text -> text)).isEqualTo("small");
		assertThat(guard.engine.breakers().state(SMALL)).isEqualTo(BreakerState.CLOSED);
		guard.assertNothingHeld();
	}

	@Test
	void aProbeWhoseCallIsCancelledWhileWaitingForCapacityLetsTheNextCallProbe() throws Throwable {
		EngineFixtures.Guard guard = EngineFixtures.guard(s -> {
			s.retry = new RetrySettings(1, Duration.ZERO, 2.0, Duration.ZERO, Duration.ZERO);
			s.breaker = BreakerSettings.of(POLICY);
			s.providerLimits = requestsPerMinute(3);
			s.maxWait = Duration.ofHours(1);
		});
		this.provider.on(SMALL, status(503), status(503), status(503));
		CallRequest small = CallRequest.builder().model(SMALL).prompt("Hello").build();
		for (int i = 0; i < 3; i++) {
			assertThatExceptionOfType(ProviderResponseException.class)
				.isThrownBy(() -> guard.engine.execute(small, this.provider, text -> text));
		}
		guard.clock.advance(Duration.ofSeconds(30)); // half-open; one request refilled, taken next
		guard.engine.execute(CallRequest.builder().model(MINI).prompt("Hello").build(), this.provider, text -> text);
		CompletableFuture<String> probe = guard.engine.executeAsync(small, this.provider.async(), text -> text);
		InterruptTests.eventually(() -> guard.limits().waiting() == 1, "the probe's call waits for capacity");

		probe.cancel(true);

		InterruptTests.eventually(() -> guard.limits().waiting() == 0, "the cancelled call stops waiting");
		guard.clock.advance(Duration.ofSeconds(20)); // within the probe's 30 s lease
		assertThat(guard.engine.execute(small, this.provider, text -> text)).isEqualTo("small");
		assertThat(guard.engine.breakers().state(SMALL)).isEqualTo(BreakerState.CLOSED);
		guard.assertNothingHeld();
	}

	@Test
	void requestErrorsNeverOpenTheBreaker() {
		this.provider.always(GPT_4O, status(400));
		failGpt4o(5);

		assertThat(state(GPT_4O)).isEqualTo(BreakerState.CLOSED);
		assertThat(this.provider.callsTo(GPT_4O)).isEqualTo(5);
		assertThat(changes()).isEmpty();
	}

	@Test
	void rateLimitsTheRetriesDidNotCureCount() {
		this.provider.always(GPT_4O, status(429));
		failGpt4o(3);

		assertThat(state(GPT_4O).state()).isEqualTo(BreakerState.State.OPEN);
		assertThat(changes()).singleElement()
			.satisfies((open) -> assertThat(open.reason()).isEqualTo("3 failures within PT1M (last: rate_limited)"));
	}

	@Test
	void countsServerErrorsTimeoutsOverloadAndRateLimitsButNotRequestErrors() {
		assertThat(List.of(FailureKind.values())).filteredOn(CircuitBreakers::counts)
			.containsExactlyInAnyOrder(FailureKind.TRANSIENT, FailureKind.OVERLOADED, FailureKind.RATE_LIMITED,
					FailureKind.QUOTA_EXHAUSTED);
	}

	@Test
	void modelWhoseBreakerIsDisabledIsAlwaysAsked() {
		EngineFixtures.Guard disabled = EngineFixtures.guard((s) -> {
			s.retry = new RetrySettings(1, Duration.ZERO, 2.0, Duration.ZERO, Duration.ZERO);
			s.breaker = new BreakerSettings(POLICY, Map.of(GPT_4O, BreakerPolicy.DISABLED));
		});
		this.provider.always(GPT_4O, status(503)).always(MINI, status(503));
		for (int i = 0; i < 5; i++) {
			assertThatExceptionOfType(ProviderResponseException.class).isThrownBy(() -> disabled.engine
				.execute(CallRequest.builder().model(GPT_4O).prompt("Hello").build(), this.provider, text -> text));
			assertThatExceptionOfType(Exception.class).isThrownBy(() -> disabled.engine
				.execute(CallRequest.builder().model(MINI).prompt("Hello").build(), this.provider, text -> text));
		}

		assertThat(this.provider.callsTo(GPT_4O)).isEqualTo(5);
		assertThat(disabled.engine.breakers().state(GPT_4O).state()).isEqualTo(BreakerState.State.DISABLED);
		// gpt-4o-mini keeps the default policy: open after three
		assertThat(this.provider.callsTo(MINI)).isEqualTo(3);
		assertThat(disabled.engine.breakers().state(MINI).state()).isEqualTo(BreakerState.State.OPEN);
	}

}

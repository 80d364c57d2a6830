package dev.llmguard.core.engine;

import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.llmguard.core.CallRequest;
import dev.llmguard.core.LlmGuardContext;
import dev.llmguard.core.RateLimitExceededException;
import dev.llmguard.core.config.BudgetScope;
import dev.llmguard.core.config.OnExceeded;
import dev.llmguard.core.event.GuardEvent;
import dev.llmguard.core.model.Usage;
import dev.llmguard.core.time.ManualGuardClock;

import static dev.llmguard.core.engine.EngineFixtures.GPT_4O;
import static dev.llmguard.core.engine.EngineFixtures.costBudget;
import static dev.llmguard.core.engine.EngineFixtures.requestsPerMinute;
import static dev.llmguard.core.engine.EngineFixtures.status;
import static dev.llmguard.core.engine.InterruptTests.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * What a call reserves, charges and holds: the model's own output allowance, attempts the provider may
 * bill, settlements that cannot be priced, and asynchronous calls that are cancelled or queue.
 */
class MoneyAndCapacityTests {

	private final List<EngineFixtures.Guard> guards = new ArrayList<>();

	private final ScriptedProvider provider = new ScriptedProvider();

	@AfterEach
	void close() {
		this.guards.forEach(guard -> guard.engine.close());
	}

	private EngineFixtures.Guard guard(java.util.function.Consumer<EngineFixtures.Settings> customize) {
		EngineFixtures.Guard guard = EngineFixtures.guard(customize.andThen(
				s -> s.budget(costBudget("daily", BudgetScope.GLOBAL, "100.00", OnExceeded.REJECT))));
		this.guards.add(guard);
		return guard;
	}

	private static CallRequest gpt4o() {
		return CallRequest.builder().model(GPT_4O).estimatedInputTokens(100L).build();
	}

	private long worstCaseNanos(EngineFixtures.Guard guard, long outputTokens) {
		return guard.engine.pricing().worstCaseCostNanos(GPT_4O, 100, outputTokens);
	}

	@Test
	void aModelsOwnOutputAllowanceAboveTheDefaultIsReservedAndHandedToTheRequest() throws Throwable {
		EngineFixtures.Guard guard = guard(s -> {
		});
		long[] reserved = new long[1];
		this.provider.always(GPT_4O, new Usage(100, 10));

		guard.engine.execute(gpt4o(), context -> {
			reserved[0] = guard.budget("daily", "").reservedTokens();
			return this.provider.call(context);
		}, text -> text);

		// gpt-4o is configured with max-output-tokens 4096 in the fixtures; the default is 1024
		assertThat(this.provider.contexts()).singleElement()
			.extracting(LlmGuardContext::maxOutputTokens)
			.isEqualTo(4096L);
		assertThat(reserved[0]).isEqualTo(100 + 4096);
	}

	@Test
	void everyAttemptThatTimedOutIsChargedItsReservedWorstCaseAndMarkedEstimated() {
		EngineFixtures.Guard guard = guard(s -> {
		});
		this.provider.always(GPT_4O, new SocketTimeoutException("Read timed out"));

		assertThatExceptionOfType(SocketTimeoutException.class)
			.isThrownBy(() -> guard.engine.execute(gpt4o(), this.provider, text -> text));

		assertThat(this.provider.calls()).hasSize(5);
		assertThat(guard.events(GuardEvent.Charged.class)).hasSize(5).allSatisfy(charged -> {
			assertThat(charged.usage()).isEqualTo(new Usage(100, 4096));
			assertThat(charged.reason()).contains("outcome unknown");
		});
		assertThat(guard.budget("daily", "").spentCostNanos()).isEqualTo(5 * worstCaseNanos(guard, 4096));
		guard.assertNothingHeld();
	}

	@Test
	void aTimedOutAttemptIsChargedAndItsSuccessfulRetryIsSettledWithItsUsage() throws Throwable {
		EngineFixtures.Guard guard = guard(s -> {
		});
		this.provider.on(GPT_4O, new SocketTimeoutException("Read timed out"), new Usage(100, 50));

		guard.engine.execute(gpt4o(), this.provider, text -> text);

		long actual = guard.engine.pricing().costNanos(GPT_4O, new Usage(100, 50));
		assertThat(guard.budget("daily", "").spentCostNanos()).isEqualTo(worstCaseNanos(guard, 4096) + actual);
		assertThat(guard.budget("daily", "").spentTokens()).isEqualTo(100 + 4096 + 150);
		guard.assertNothingHeld();
	}

	@Test
	void answersTheProviderRefusedAndRequestsThatNeverLeftAreNotCharged() {
		EngineFixtures.Guard guard = guard(s -> {
		});
		this.provider.on(GPT_4O, status(503), new ConnectException("Connection refused"), status(500), status(502),
				status(400));

		assertThatExceptionOfType(Exception.class).isThrownBy(() -> guard.engine.execute(gpt4o(), this.provider,
				text -> text));

		assertThat(this.provider.calls()).hasSize(5);
		assertThat(guard.events(GuardEvent.Charged.class)).isEmpty();
		assertThat(guard.budget("daily", "").spentCostNanos()).isZero();
		guard.assertNothingHeld();
	}

	@Test
	void usageTooLargeToPriceSettlesTheReservedWorstCaseInsteadOfLeakingTheReservation() throws Throwable {
		EngineFixtures.Guard guard = guard(s -> {
		});
		this.provider.always(GPT_4O, new Usage(Long.MAX_VALUE / 4, Long.MAX_VALUE / 4));

		guard.engine.execute(gpt4o(), this.provider, text -> text);

		assertThat(guard.finished().usageEstimated()).isTrue();
		assertThat(guard.budget("daily", "").spentCostNanos()).isEqualTo(worstCaseNanos(guard, 4096));
		guard.assertNothingHeld();
	}

	@Test
	void anAsynchronousCallCancelledWhileWaitingForCapacityStopsWaitingAndNeverCallsTheProvider() throws Exception {
		EngineFixtures.Guard guard = guard(s -> {
			s.providerLimits = requestsPerMinute(1);
			s.maxWait = Duration.ofHours(2);
		});
		this.provider.always(GPT_4O, new Usage(100, 10));
		guard.engine.executeAsync(gpt4o(), this.provider.async(), text -> text).get(10, TimeUnit.SECONDS);

		CompletableFuture<String> waiting = guard.engine.executeAsync(gpt4o(), this.provider.async(), text -> text);
		eventually(() -> guard.limits().waiting() == 1, "the second call waits for capacity");
		waiting.cancel(true);

		eventually(() -> guard.limits().waiting() == 0, "the cancelled call stops waiting");
		guard.clock.advance(Duration.ofMinutes(2));
		assertThat(this.provider.calls()).hasSize(1);
		eventually(() -> guard.ledger.openReservations() == 0, "its reservation is released");
		guard.assertNothingHeld();
	}

	@Test
	void anAsynchronousCallCancelledWhileItsRetryIsInFlightIsChargedForThatTry() throws Exception {
		EngineFixtures.Guard guard = guard(s -> {
		});
		CompletableFuture<String> never = new CompletableFuture<>();
		CountDownLatch retried = new CountDownLatch(1);
		int[] tries = new int[1];
		CompletableFuture<String> answer = guard.engine.executeAsync(gpt4o(), context -> {
			if (tries[0]++ == 0) {
				return CompletableFuture.failedFuture(status(500));
			}
			retried.countDown();
			return never;
		}, text -> text);
		assertThat(retried.await(10, TimeUnit.SECONDS)).isTrue();

		answer.cancel(true);

		eventually(never::isCancelled, "the retry's request is cancelled");
		// the first try was refused (500): not charged; the retry's request had left: charged
		eventually(() -> !guard.events(GuardEvent.Charged.class).isEmpty(), "the retry is charged");
		assertThat(guard.events(GuardEvent.Charged.class)).hasSize(1);
		assertThat(guard.budget("daily", "").spentCostNanos()).isEqualTo(worstCaseNanos(guard, 4096));
		guard.assertNothingHeld();
	}

	@Test
	void anAsynchronousCallCancelledDuringItsRetryPauseStopsPausingAndIsChargedForTheTryThatTimedOut()
			throws Exception {
		EngineFixtures.Guard guard = guard(s -> {
		});
		ManualGuardClock pausing = guard.clock.waitingSleeps();
		this.provider.always(GPT_4O, new SocketTimeoutException("Read timed out"));
		CompletableFuture<String> answer = guard.engine.executeAsync(gpt4o(), this.provider.async(), text -> text);
		eventually(() -> pausing.sleeping() == 1, "the call pauses before its retry");

		answer.cancel(true);

		eventually(() -> pausing.sleeping() == 0, "the pause ends at once");
		// the try timed out: the provider may have billed it, so its worst case is charged, and nobody retries
		eventually(() -> guard.events(GuardEvent.Charged.class).size() == 1, "the timed-out try is charged");
		assertThat(guard.budget("daily", "").spentCostNanos()).isEqualTo(worstCaseNanos(guard, 4096));
		assertThat(this.provider.calls()).hasSize(1);
		eventually(() -> guard.limits().inUse() == 0, "its slot is free");
		guard.assertNothingHeld();
	}

	@Test
	void urgentAsynchronousCallsReachThePriorityQueueEvenWhenManyLowOnesWait() throws Exception {
		EngineFixtures.Guard guard = guard(s -> {
			s.providerLimits = requestsPerMinute(1);
			s.maxWait = Duration.ofHours(2);
			s.retry = EngineFixtures.maxTotalTime(Duration.ofHours(3)); // the low calls outlive the refill
		});
		this.provider.always(GPT_4O, new Usage(100, 10));
		guard.engine.executeAsync(gpt4o(), this.provider.async(), text -> text).get(10, TimeUnit.SECONDS);
		List<CompletableFuture<String>> low = new ArrayList<>();
		for (int i = 0; i < 80; i++) {
			low.add(guard.engine.executeAsync(gpt4o().toBuilder().priority(9).build(), this.provider.async(),
					text -> text));
		}
		CompletableFuture<String> urgent = guard.engine.executeAsync(gpt4o().toBuilder().priority(1).build(),
				this.provider.async(), text -> text);

		eventually(() -> guard.limits().waiting() == 81, "every call waits in the priority queue");
		guard.clock.advance(Duration.ofMinutes(1));

		assertThat(urgent.get(10, TimeUnit.SECONDS)).isEqualTo("gpt-4o");
		assertThat(low).noneMatch(CompletableFuture::isDone);
		low.forEach(call -> call.cancel(true));
		eventually(() -> guard.limits().waiting() == 0, "the cancelled calls stop waiting");
	}

	@Test
	void timeQueuedBeforeAdmissionCountsAgainstMaxWait() {
		EngineFixtures.Guard[] holder = new EngineFixtures.Guard[1];
		// an executor whose queue held the call for the whole max-wait before running it
		Executor queued = task -> {
			holder[0].clock.advance(Duration.ofSeconds(30));
			new Thread(task).start();
		};
		EngineFixtures.Guard guard = new EngineFixtures.Guard(EngineFixtures.settings(s -> {
			s.providerLimits = requestsPerMinute(1);
			s.maxWait = Duration.ofSeconds(30);
		}), builder -> builder.asyncExecutor(queued));
		holder[0] = guard;
		this.guards.add(guard);
		this.provider.always(GPT_4O, new Usage(100, 10));
		assertThat(guard.engine.executeAsync(gpt4o(), this.provider.async(), text -> text)).succeedsWithin(
				Duration.ofSeconds(10));

		CompletableFuture<String> late = guard.engine.executeAsync(gpt4o(), this.provider.async(), text -> text);

		assertThatExceptionOfType(ExecutionException.class).isThrownBy(() -> late.get(10, TimeUnit.SECONDS))
			.withCauseInstanceOf(RateLimitExceededException.class);
		assertThat(this.provider.calls()).hasSize(1);
	}

}

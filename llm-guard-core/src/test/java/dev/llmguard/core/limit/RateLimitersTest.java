package dev.llmguard.core.limit;

import static dev.llmguard.core.limit.LimitFixtures.GPT_4O;
import static dev.llmguard.core.limit.LimitFixtures.GPT_4O_MINI;
import static dev.llmguard.core.limit.LimitFixtures.LOW;
import static dev.llmguard.core.limit.LimitFixtures.NORMAL;
import static dev.llmguard.core.limit.LimitFixtures.URGENT;
import static dev.llmguard.core.limit.LimitFixtures.eventually;
import static dev.llmguard.core.limit.LimitFixtures.limits;
import static dev.llmguard.core.limit.LimitFixtures.model;
import static dev.llmguard.core.limit.LimitFixtures.openai;
import static dev.llmguard.core.limit.LimitFixtures.requestsPerMinute;
import static dev.llmguard.core.limit.LimitFixtures.tokensPerMinute;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.llmguard.core.RateLimitExceededException;
import dev.llmguard.core.config.GuardSettings;
import dev.llmguard.core.config.PriorityReserve;
import dev.llmguard.core.config.ProviderSpec;
import dev.llmguard.core.limit.LimitSnapshot.BucketLevel;
import dev.llmguard.core.model.ModelRef;
import dev.llmguard.core.model.Usage;
import dev.llmguard.core.time.ManualGuardClock;

class RateLimitersTest {

	private static final Duration NO_WAIT = Duration.ZERO;

	private static final Duration LONG_WAIT = Duration.ofMinutes(10);

	private final ManualGuardClock clock = new ManualGuardClock();

	private RateLimiters limiters(ProviderSpec provider) {
		return limiters(provider, 0.8, PriorityReserve.DEFAULT);
	}

	private RateLimiters limiters(ProviderSpec provider, double headroom, PriorityReserve reserve) {
		GuardSettings settings = GuardSettings.builder()
			.headroom(headroom)
			.priorityReserve(reserve)
			.provider(provider)
			.build();
		return new RateLimiters(settings, new LocalBucketStore(this.clock), this.clock);
	}

	private static Demand tokens(long input, long output) {
		return new Demand(input, output);
	}

	private CompletableFuture<RatePermit> acquireInBackground(RateLimiters limiters, ModelRef model, Demand demand,
			int priority, Duration maxWait) {
		CompletableFuture<RatePermit> result = new CompletableFuture<>();
		Thread thread = new Thread(() -> {
			try {
				result.complete(limiters.acquire(model, demand, priority, maxWait));
			}
			catch (Throwable ex) {
				result.completeExceptionally(ex);
			}
		}, "waiter-" + priority);
		thread.setDaemon(true);
		thread.start();
		return result;
	}

	private static int admitted(RateLimiters limiters, ModelRef model, Demand demand, int priority, int attempts)
			throws InterruptedException {
		int admitted = 0;
		for (int i = 0; i < attempts; i++) {
			try {
				limiters.acquire(model, demand, priority, NO_WAIT);
				admitted++;
			}
			catch (NoCapacityException ex) {
				// counted by what was admitted
			}
		}
		return admitted;
	}

	private static void awaitWaiting(RateLimiters limiters, int count) {
		eventually(() -> limiters.snapshot("openai").waiting() == count, count + " calls wait");
	}

	@Test
	void appliesHeadroomToEveryDeclaredLimit() {
		RateLimiters limiters = limiters(openai(limits(500L, 200_000L, 150_000L, 50_000L, 10_000L, 1_000_000L), 16));

		LimitSnapshot snapshot = limiters.snapshot("openai");

		assertThat(snapshot.limits()).containsExactly(
				entry("requests-per-minute", 400, 400), entry("tokens-per-minute", 160_000, 160_000),
				entry("input-tokens-per-minute", 120_000, 120_000), entry("output-tokens-per-minute", 40_000, 40_000),
				entry("requests-per-day", 8_000, 8_000), entry("tokens-per-day", 800_000, 800_000));
		assertThat(snapshot.maxConcurrent()).isEqualTo(16);
		assertThat(snapshot.inUse()).isZero();
		assertThat(snapshot.waiting()).isZero();
	}

	@Test
	void headroomIsAppliedWithoutFloatingPointLossAndNeverBelowOne() {
		RateLimiters limiters = limiters(openai(limits(100L, 1L, null, null, null, null), null), 0.29,
				PriorityReserve.NONE);

		assertThat(limiters.snapshot("openai").limits().get("requests-per-minute").capacity()).isEqualTo(29);
		assertThat(limiters.snapshot("openai").limits().get("tokens-per-minute").capacity()).isEqualTo(1);
	}

	private static java.util.Map.Entry<String, BucketLevel> entry(String limit, long capacity, long available) {
		return java.util.Map.entry(limit, new BucketLevel(capacity, available));
	}

	@Test
	void aLimitNoBucketCanCountIsRefusedNamingIt() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> limiters(openai(tokensPerMinute(100_000_000_000_000L), null)))
			.withMessageStartingWith("tokens-per-minute of openai (100000000000000) is above what a bucket can count");
		assertThatIllegalArgumentException().isThrownBy(() -> limiters(openai(requestsPerMinute(0), null)))
			.withMessage("requests-per-minute of openai must be positive, was 0");
	}

	@Test
	void admitsRequestsUpToTheMinuteCapacityAndRefillsAsTheClockMoves() throws Exception {
		RateLimiters limiters = limiters(openai(requestsPerMinute(500), null));

		assertThat(admitted(limiters, GPT_4O, tokens(10, 10), URGENT, 401)).isEqualTo(400);

		this.clock.advance(Duration.ofSeconds(3));
		assertThat(admitted(limiters, GPT_4O, tokens(10, 10), URGENT, 100)).isEqualTo(20);
		this.clock.advance(Duration.ofMinutes(1));
		assertThat(admitted(limiters, GPT_4O, tokens(10, 10), URGENT, 500)).isEqualTo(400);
	}

	@Test
	void takesTheDemandedTokensFromTheMinuteAndDayBuckets() throws Exception {
		RateLimiters limiters = limiters(openai(limits(null, 10_000L, null, null, null, 25_000L), null), 1.0,
				PriorityReserve.NONE);

		limiters.acquire(GPT_4O, tokens(3_000, 1_000), URGENT, NO_WAIT);

		assertThat(limiters.snapshot("openai").limits()).containsEntry("tokens-per-minute", new BucketLevel(10_000, 6_000))
			.containsEntry("tokens-per-day", new BucketLevel(25_000, 21_000));
		assertThat(admitted(limiters, GPT_4O, tokens(3_000, 1_000), URGENT, 5)).isEqualTo(1);
		this.clock.advance(Duration.ofMinutes(1));
		assertThat(admitted(limiters, GPT_4O, tokens(3_000, 1_000), URGENT, 5)).isEqualTo(2);
		this.clock.advance(Duration.ofMinutes(1));
		// 4 calls of 4,000 taken; the day allows 25,000 (plus what refilled over two minutes)
		assertThat(admitted(limiters, GPT_4O, tokens(3_000, 1_000), URGENT, 5)).isEqualTo(2);
		assertThat(limiters.snapshot("openai").limits().get("tokens-per-day").available()).isLessThan(4_000);
	}

	@Test
	void requestsPerDayRefillOverTheDay() throws Exception {
		RateLimiters limiters = limiters(openai(limits(null, null, null, null, 24L, null), null), 1.0,
				PriorityReserve.NONE);

		assertThat(admitted(limiters, GPT_4O, tokens(1, 1), URGENT, 30)).isEqualTo(24);
		this.clock.advance(Duration.ofHours(1));
		assertThat(admitted(limiters, GPT_4O, tokens(1, 1), URGENT, 30)).isEqualTo(1);
		this.clock.advance(Duration.ofDays(1));
		assertThat(admitted(limiters, GPT_4O, tokens(1, 1), URGENT, 30)).isEqualTo(24);
	}

	@Test
	void modelLimitsApplyInsideTheProviderLimits() throws Exception {
		RateLimiters limiters = limiters(openai(requestsPerMinute(20),
				null, model(GPT_4O, requestsPerMinute(5)), model(GPT_4O_MINI, null)), 1.0, PriorityReserve.NONE);

		assertThat(admitted(limiters, GPT_4O, tokens(1, 1), URGENT, 10)).isEqualTo(5);
		assertThat(admitted(limiters, GPT_4O_MINI, tokens(1, 1), URGENT, 30)).isEqualTo(15);
		assertThat(limiters.snapshot("openai").modelLimits())
			.containsOnlyKeys("gpt-4o")
			.containsEntry("gpt-4o", java.util.Map.of("requests-per-minute", new BucketLevel(5, 0)));
		assertThat(limiters.snapshot("openai").limits().get("requests-per-minute").available()).isZero();
	}

	@Test
	void aModelRefusalGivesBackWhatTheProviderBucketsGave() throws Exception {
		RateLimiters limiters = limiters(openai(limits(100L, 10_000L, null, null, null, null), null,
				model(GPT_4O, tokensPerMinute(1_000))), 1.0, PriorityReserve.NONE);
		limiters.acquire(GPT_4O, tokens(900, 0), URGENT, NO_WAIT);

		assertThatThrownBy(() -> limiters.acquire(GPT_4O, tokens(200, 0), URGENT, NO_WAIT))
			.isInstanceOf(NoCapacityException.class)
			.hasMessageContaining("openai/gpt-4o tokens-per-minute 1,000 capacity, 100 available");
		assertThat(limiters.snapshot("openai").limits()).containsEntry("requests-per-minute", new BucketLevel(100, 99))
			.containsEntry("tokens-per-minute", new BucketLevel(10_000, 9_100));
		assertThat(limiters.snapshot("openai").inUse()).isEqualTo(1);
	}

	@Test
	void inputAndOutputTokenLimitsCountTheirOwnSide() throws Exception {
		RateLimiters limiters = limiters(openai(limits(null, null, 1_000L, 500L, null, null), null), 1.0,
				PriorityReserve.NONE);

		limiters.acquire(GPT_4O, tokens(600, 100), URGENT, NO_WAIT);

		assertThat(limiters.snapshot("openai").limits())
			.containsEntry("input-tokens-per-minute", new BucketLevel(1_000, 400))
			.containsEntry("output-tokens-per-minute", new BucketLevel(500, 400));
		assertThatThrownBy(() -> limiters.acquire(GPT_4O, tokens(600, 100), URGENT, NO_WAIT))
			.hasMessageContaining("input-tokens-per-minute");
		limiters.acquire(GPT_4O, tokens(400, 400), URGENT, NO_WAIT);
		assertThatThrownBy(() -> limiters.acquire(GPT_4O, tokens(0, 1), URGENT, NO_WAIT))
			.hasMessageContaining("output-tokens-per-minute");
	}

	@Test
	void aDemandAboveAWholeCapacityFailsAtOnceSayingWhy() {
		RateLimiters limiters = limiters(openai(tokensPerMinute(200_000), null));

		assertThatThrownBy(() -> limiters.acquire(GPT_4O, tokens(150_000, 20_000), URGENT, LONG_WAIT))
			.isInstanceOfSatisfying(NoCapacityException.class, (ex) -> {
				assertThat(ex.model().provider()).isEqualTo("openai");
				assertThat(ex.model().model()).isEqualTo("gpt-4o");
			})
			.hasMessage("openai/gpt-4o: a call needing 170,000 tokens can never pass tokens-per-minute of openai, "
					+ "whose capacity is 160,000 (200,000 declared x headroom 0.8); lower the prompt or the max "
					+ "output tokens, or raise the limit");
		assertThat(limiters.snapshot("openai").limits().get("tokens-per-minute").available()).isEqualTo(160_000);
		assertThat(limiters.snapshot("openai").inUse()).isZero();
	}

	@Test
	void settlingGivesBackUnusedTokens() throws Exception {
		RateLimiters limiters = limiters(openai(limits(10L, 10_000L, 10_000L, 10_000L, null, null), null), 1.0,
				PriorityReserve.NONE);
		RatePermit permit = limiters.acquire(GPT_4O, tokens(1_000, 2_000), NORMAL, NO_WAIT);

		permit.settle(new Usage(1_000, 300));

		assertThat(limiters.snapshot("openai").limits()).containsEntry("requests-per-minute", new BucketLevel(10, 9))
			.containsEntry("tokens-per-minute", new BucketLevel(10_000, 8_700))
			.containsEntry("input-tokens-per-minute", new BucketLevel(10_000, 9_000))
			.containsEntry("output-tokens-per-minute", new BucketLevel(10_000, 9_700));
		assertThat(limiters.snapshot("openai").inUse()).isZero();
	}

	@Test
	void usageAboveTheDemandBecomesDebtThatTheNextCallWaitsFor() throws Exception {
		RateLimiters limiters = limiters(openai(tokensPerMinute(6_000), null), 1.0, PriorityReserve.NONE);
		RatePermit permit = limiters.acquire(GPT_4O, tokens(1_000, 1_000), URGENT, NO_WAIT);

		permit.settle(new Usage(5_000, 2_000));

		assertThat(limiters.snapshot("openai").limits().get("tokens-per-minute").available()).isEqualTo(-1_000);
		assertThatThrownBy(() -> limiters.acquire(GPT_4O, tokens(100, 0), URGENT, NO_WAIT))
			.isInstanceOfSatisfying(NoCapacityException.class,
					// 1,100 tokens at 100 per second
					(ex) -> assertThat(ex.retryAfter()).isEqualTo(Duration.ofSeconds(11)));
		this.clock.advance(Duration.ofSeconds(11));
		assertThat(limiters.acquire(GPT_4O, tokens(100, 0), URGENT, NO_WAIT)).isNotNull();
	}

	@Test
	void releaseGivesBackTheTokensButTheRequestStaysCounted() throws Exception {
		RateLimiters limiters = limiters(openai(limits(10L, 10_000L, null, null, null, null), 2), 1.0,
				PriorityReserve.NONE);
		RatePermit permit = limiters.acquire(GPT_4O, tokens(1_000, 1_000), URGENT, NO_WAIT);

		permit.release();
		permit.release();
		permit.settle(new Usage(5_000, 5_000));

		LimitSnapshot snapshot = limiters.snapshot("openai");
		assertThat(snapshot.limits()).containsEntry("requests-per-minute", new BucketLevel(10, 9))
			.containsEntry("tokens-per-minute", new BucketLevel(10_000, 10_000));
		assertThat(snapshot.inUse()).isZero();
	}

	@Test
	void settleIsIdempotent() throws Exception {
		RateLimiters limiters = limiters(openai(tokensPerMinute(10_000), 1), 1.0, PriorityReserve.NONE);
		RatePermit permit = limiters.acquire(GPT_4O, tokens(1_000, 1_000), URGENT, NO_WAIT);

		permit.settle(new Usage(500, 500));
		permit.settle(new Usage(500, 500));
		permit.release();

		assertThat(limiters.snapshot("openai").limits().get("tokens-per-minute").available()).isEqualTo(9_000);
		assertThat(limiters.snapshot("openai").inUse()).isZero();
	}

	@Test
	void aCallBeyondMaxConcurrentWaitsUntilAPermitIsSettled() throws Exception {
		RateLimiters limiters = limiters(openai(null, 2), 1.0, PriorityReserve.NONE);
		RatePermit first = limiters.acquire(GPT_4O, tokens(1, 1), URGENT, NO_WAIT);
		limiters.acquire(GPT_4O, tokens(1, 1), URGENT, NO_WAIT);

		CompletableFuture<RatePermit> third = acquireInBackground(limiters, GPT_4O, tokens(1, 1), URGENT, LONG_WAIT);
		awaitWaiting(limiters, 1);
		assertThat(third).isNotDone();
		this.clock.advance(Duration.ofSeconds(2));
		first.settle(new Usage(1, 1));

		RatePermit permit = third.get(10, TimeUnit.SECONDS);
		assertThat(permit.waited()).isEqualTo(Duration.ofSeconds(2));
		assertThat(limiters.snapshot("openai").inUse()).isEqualTo(2);
		assertThat(limiters.snapshot("openai").waiting()).isZero();
	}

	@Test
	void waitersAreAdmittedByPriorityNotByArrival() throws Exception {
		RateLimiters limiters = limiters(openai(requestsPerMinute(10), null), 1.0, PriorityReserve.NONE);
		admitted(limiters, GPT_4O, tokens(1, 1), URGENT, 10);
		List<Integer> order = java.util.Collections.synchronizedList(new ArrayList<>());
		List<CompletableFuture<RatePermit>> waiters = new ArrayList<>();
		for (int priority : new int[] { 9, 5, 1 }) {
			CompletableFuture<RatePermit> waiter = acquireInBackground(limiters, GPT_4O, tokens(1, 1), priority,
					LONG_WAIT);
			waiter.thenRun(() -> order.add(priority));
			waiters.add(waiter);
			awaitWaiting(limiters, waiters.size());
		}

		for (int admittedSoFar = 1; admittedSoFar <= 3; admittedSoFar++) {
			this.clock.advance(Duration.ofSeconds(6)); // one request refills
			int expected = admittedSoFar;
			eventually(() -> order.size() == expected, expected + " waiters admitted");
			assertThat(limiters.snapshot("openai").waiting()).isEqualTo(3 - admittedSoFar);
		}
		assertThat(order).containsExactly(1, 5, 9);
	}

	@Test
	void lowerClassesCannotTakeTheReservedShare() throws Exception {
		RateLimiters limiters = limiters(openai(requestsPerMinute(100), null), 1.0, PriorityReserve.DEFAULT);

		assertThat(admitted(limiters, GPT_4O, tokens(1, 1), LOW, 100)).isEqualTo(70);
		assertThat(admitted(limiters, GPT_4O, tokens(1, 1), NORMAL, 100)).isEqualTo(20);
		assertThat(admitted(limiters, GPT_4O, tokens(1, 1), 8, 100)).isZero();
		assertThat(admitted(limiters, GPT_4O, tokens(1, 1), URGENT, 100)).isEqualTo(10);
	}

	@Test
	void reservesApplyToTokensAndConcurrency() throws Exception {
		RateLimiters limiters = limiters(openai(tokensPerMinute(10_000), 10), 1.0, PriorityReserve.DEFAULT);

		// low may leave no less than 3,000 tokens and 3 slots
		assertThat(admitted(limiters, GPT_4O, tokens(1_000, 1_000), LOW, 10)).isEqualTo(3);
		assertThat(admitted(limiters, GPT_4O, tokens(100, 0), LOW, 20)).isEqualTo(4);
		assertThat(limiters.snapshot("openai").inUse()).isEqualTo(7);
		assertThat(admitted(limiters, GPT_4O, tokens(100, 0), NORMAL, 20)).isEqualTo(2);
		assertThat(admitted(limiters, GPT_4O, tokens(100, 0), URGENT, 20)).isEqualTo(1);
		assertThat(limiters.snapshot("openai").inUse()).isEqualTo(10);
	}

	@Test
	void aReserveNeverMakesACallThatFitsTheCapacityImpossible() throws Exception {
		RateLimiters limiters = limiters(openai(tokensPerMinute(10_000), 1), 1.0, PriorityReserve.DEFAULT);

		RatePermit big = limiters.acquire(GPT_4O, tokens(9_000, 0), LOW, NO_WAIT);

		assertThat(big).isNotNull();
		assertThat(limiters.snapshot("openai").inUse()).isEqualTo(1);
	}

	@Test
	void aLowCallStuckOnItsReserveLetsMoreUrgentArrivalsPass() throws Exception {
		RateLimiters limiters = limiters(openai(requestsPerMinute(10), null), 1.0, PriorityReserve.DEFAULT);
		admitted(limiters, GPT_4O, tokens(1, 1), URGENT, 7);
		CompletableFuture<RatePermit> low = acquireInBackground(limiters, GPT_4O, tokens(1, 1), LOW, LONG_WAIT);
		awaitWaiting(limiters, 1);

		assertThat(limiters.acquire(GPT_4O, tokens(1, 1), NORMAL, NO_WAIT)).isNotNull();
		assertThat(limiters.acquire(GPT_4O, tokens(1, 1), URGENT, NO_WAIT)).isNotNull();
		assertThat(low).isNotDone();

		this.clock.advance(Duration.ofMinutes(1));
		assertThat(low.get(10, TimeUnit.SECONDS).waited()).isEqualTo(Duration.ofMinutes(1));
	}

	@Test
	void aModelStuckOnItsOwnLimitDoesNotHoldUpTheProvidersOtherModels() throws Exception {
		RateLimiters limiters = limiters(openai(requestsPerMinute(100), null, model(GPT_4O, requestsPerMinute(1))),
				1.0, PriorityReserve.NONE);
		limiters.acquire(GPT_4O, tokens(1, 1), URGENT, NO_WAIT);
		CompletableFuture<RatePermit> stuck = acquireInBackground(limiters, GPT_4O, tokens(1, 1), URGENT, LONG_WAIT);
		awaitWaiting(limiters, 1);

		assertThat(limiters.acquire(GPT_4O_MINI, tokens(1, 1), LOW, NO_WAIT)).isNotNull();
		assertThat(stuck).isNotDone();
		this.clock.advance(Duration.ofMinutes(1));
		assertThat(stuck.get(10, TimeUnit.SECONDS)).isNotNull();
	}

	@Test
	void aSmallCallDoesNotOvertakeAMoreUrgentWaiterOnTheSameLimit() throws Exception {
		RateLimiters limiters = limiters(openai(tokensPerMinute(6_000), null), 1.0, PriorityReserve.NONE);
		RatePermit held = limiters.acquire(GPT_4O, tokens(5_000, 0), URGENT, NO_WAIT);
		CompletableFuture<RatePermit> big = acquireInBackground(limiters, GPT_4O, tokens(2_000, 0), NORMAL, LONG_WAIT);
		awaitWaiting(limiters, 1);

		// 1,000 tokens are free, but the more urgent waiter needs them first
		assertThatThrownBy(() -> limiters.acquire(GPT_4O, tokens(500, 0), LOW, NO_WAIT))
			.isInstanceOf(NoCapacityException.class)
			.hasMessage("openai/gpt-4o: no capacity now for 1 request and 500 tokens (behind 1 more urgent or earlier "
					+ "calls waiting for tokens-per-minute 6,000 capacity, 1,000 available); retry in 15s");
		assertThat(limiters.acquire(GPT_4O, tokens(500, 0), URGENT, NO_WAIT)).isNotNull();
		held.release();

		assertThat(big.get(10, TimeUnit.SECONDS)).isNotNull();
	}

	@Test
	void noCapacityWithinTheMaximumWaitGivesProviderModelAndWhenToRetry() throws Exception {
		RateLimiters limiters = limiters(openai(limits(100L, 200_000L, null, null, null, null), null));
		limiters.acquire(GPT_4O, tokens(150_000, 1_200), URGENT, NO_WAIT);

		assertThatThrownBy(() -> limiters.acquire(GPT_4O, tokens(1_000, 234), NORMAL, NO_WAIT))
			.isInstanceOfSatisfying(NoCapacityException.class, (ex) -> {
				assertThat(ex.model().provider()).isEqualTo("openai");
				assertThat(ex.model().model()).isEqualTo("gpt-4o");
				assertThat(ex.retryAfter()).isPositive();
				assertThat(RateLimitExceededException.of(ex).code()).isEqualTo("rate_limited");
			})
			.hasMessage("openai/gpt-4o: no capacity now for 1 request and 1,234 tokens (tokens-per-minute 160,000 "
					+ "capacity, 8,800 available, 16,000 kept for more urgent calls); retry in 4s");
	}

	@Test
	void aWaitingCallTimesOutWhenTheClockPassesItsMaximumWait() throws Exception {
		RateLimiters limiters = limiters(openai(tokensPerMinute(6_000), null), 1.0, PriorityReserve.NONE);
		// held, not settled: a call in flight may give tokens back, so the waiter waits instead of failing at once
		RatePermit inFlight = limiters.acquire(GPT_4O, tokens(6_000, 0), URGENT, NO_WAIT);

		CompletableFuture<RatePermit> waiter = acquireInBackground(limiters, GPT_4O, tokens(4_000, 0), URGENT,
				Duration.ofSeconds(30));
		awaitWaiting(limiters, 1);
		this.clock.advance(Duration.ofSeconds(20));
		assertThat(waiter).isNotDone();
		this.clock.advance(Duration.ofSeconds(10));

		assertThatThrownBy(() -> waiter.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
			.cause()
			.isInstanceOfSatisfying(NoCapacityException.class,
					(ex) -> assertThat(ex.retryAfter()).isPositive())
			.hasMessageStartingWith("openai/gpt-4o: no capacity within 30s for 1 request and 4,000 tokens");
		assertThat(limiters.snapshot("openai").waiting()).isZero();
		inFlight.settle(new Usage(6_000, 0));
	}

	@Test
	void aCallShortOfRequestsFailsAtOnceWhenRefillComesTooLate() throws Exception {
		RateLimiters limiters = limiters(openai(requestsPerMinute(1), null), 1.0, PriorityReserve.NONE);
		// in flight, but requests are never given back: waiting 30 s for a refill due in 60 s is hopeless
		RatePermit inFlight = limiters.acquire(GPT_4O, tokens(1, 1), URGENT, NO_WAIT);

		assertThatThrownBy(() -> limiters.acquire(GPT_4O, tokens(1, 1), URGENT, Duration.ofSeconds(30)))
			.isInstanceOfSatisfying(NoCapacityException.class,
					(ex) -> assertThat(ex.retryAfter()).isEqualTo(Duration.ofSeconds(60)));
		inFlight.release();
	}

	@Test
	void aRetryDoesNotWaitForItsOwnSlotToGiveRequestsBack() throws Exception {
		RateLimiters limiters = limiters(openai(requestsPerMinute(1), null), 1.0, PriorityReserve.NONE);
		RatePermit permit = limiters.acquire(GPT_4O, tokens(1, 1), URGENT, NO_WAIT);

		// the only call in flight is the retrying one: it fails at once instead of hanging until max-wait
		assertThat(limiters.acquireRetryRequest(permit, URGENT, Duration.ofSeconds(30))).isFalse();
		permit.release();
	}

	@Test
	void failsAtOnceWhenRefillComesTooLateAndNothingInFlightCanGiveBack() throws Exception {
		RateLimiters limiters = limiters(openai(tokensPerMinute(6_000), null), 1.0, PriorityReserve.NONE);
		limiters.acquire(GPT_4O, tokens(6_000, 0), URGENT, NO_WAIT).settle(new Usage(6_000, 0));

		// 3,000 tokens refill in 30 s, more than the 10 s this call may wait
		assertThatThrownBy(() -> limiters.acquire(GPT_4O, tokens(3_000, 0), URGENT, Duration.ofSeconds(10)))
			.isInstanceOfSatisfying(NoCapacityException.class,
					(ex) -> assertThat(ex.retryAfter()).isEqualTo(Duration.ofSeconds(30)));
	}

	@Test
	void aWaitingCallIsAdmittedWhenAnotherCallGivesTokensBack() throws Exception {
		RateLimiters limiters = limiters(openai(tokensPerMinute(6_000), null), 1.0, PriorityReserve.NONE);
		RatePermit first = limiters.acquire(GPT_4O, tokens(1_000, 5_000), URGENT, NO_WAIT);

		CompletableFuture<RatePermit> second = acquireInBackground(limiters, GPT_4O, tokens(1_000, 1_000), NORMAL,
				Duration.ofSeconds(10));
		awaitWaiting(limiters, 1);
		first.settle(new Usage(1_000, 100));

		assertThat(second.get(10, TimeUnit.SECONDS).waited()).isZero();
		assertThat(limiters.snapshot("openai").limits().get("tokens-per-minute").available()).isEqualTo(2_900);
	}

	@Test
	void everyRetryCountsAgainstTheRequestBuckets() throws Exception {
		RateLimiters limiters = limiters(openai(limits(3L, 10_000L, null, null, null, null), null,
				model(GPT_4O, requestsPerMinute(10))), 1.0, PriorityReserve.NONE);
		RatePermit permit = limiters.acquire(GPT_4O, tokens(1_000, 1_000), NORMAL, NO_WAIT);

		assertThat(limiters.acquireRetryRequest(permit, NORMAL, NO_WAIT)).isTrue();
		assertThat(limiters.acquireRetryRequest(permit, NORMAL, NO_WAIT)).isTrue();
		assertThat(limiters.acquireRetryRequest(permit, NORMAL, NO_WAIT)).isFalse();

		LimitSnapshot snapshot = limiters.snapshot("openai");
		assertThat(snapshot.limits()).containsEntry("requests-per-minute", new BucketLevel(3, 0))
			.containsEntry("tokens-per-minute", new BucketLevel(10_000, 8_000));
		assertThat(snapshot.modelLimits().get("gpt-4o")).containsEntry("requests-per-minute", new BucketLevel(10, 7));
		assertThat(snapshot.inUse()).isEqualTo(1);
	}

	@Test
	void aRetryWaitsForARequestToRefill() throws Exception {
		RateLimiters limiters = limiters(openai(requestsPerMinute(1), null), 1.0, PriorityReserve.NONE);
		RatePermit permit = limiters.acquire(GPT_4O, tokens(1, 1), NORMAL, NO_WAIT);

		CompletableFuture<Boolean> retry = CompletableFuture.supplyAsync(() -> {
			try {
				return limiters.acquireRetryRequest(permit, NORMAL, Duration.ofMinutes(2));
			}
			catch (InterruptedException ex) {
				throw new IllegalStateException(ex);
			}
		});
		awaitWaiting(limiters, 1);
		this.clock.advance(Duration.ofMinutes(1));

		assertThat(retry.get(10, TimeUnit.SECONDS)).isTrue();
	}

	@Test
	void aModelWithoutItsOwnLimitsUsesItsProvidersLimits() throws Exception {
		RateLimiters limiters = limiters(openai(requestsPerMinute(2), null), 1.0, PriorityReserve.NONE);

		assertThat(admitted(limiters, new ModelRef("openai", "o3"), tokens(1, 1), URGENT, 5)).isEqualTo(2);
	}

	@Test
	void rejectsAnUnknownProviderAndAPriorityOutsideOneToTen() {
		RateLimiters limiters = limiters(openai(requestsPerMinute(2), null));

		assertThatIllegalArgumentException()
			.isThrownBy(() -> limiters.acquire(new ModelRef("anthropic", "claude"), tokens(1, 1), URGENT, NO_WAIT))
			.withMessageContaining("'anthropic'")
			.withMessageContaining("[openai]");
		assertThatIllegalArgumentException().isThrownBy(() -> limiters.acquire(GPT_4O, tokens(1, 1), 11, NO_WAIT))
			.withMessageContaining("between 1 (most urgent) and 10");
		assertThatIllegalArgumentException().isThrownBy(() -> limiters.snapshot("anthropic"));
	}

	@Test
	void anInterruptedWaiterLeavesTheQueueHoldingNothing() throws Exception {
		RateLimiters limiters = limiters(openai(requestsPerMinute(1), 5), 1.0, PriorityReserve.NONE);
		limiters.acquire(GPT_4O, tokens(1, 1), URGENT, NO_WAIT);
		List<Throwable> failure = new ArrayList<>();
		Thread waiter = new Thread(() -> {
			try {
				limiters.acquire(GPT_4O, tokens(1, 1), URGENT, LONG_WAIT);
			}
			catch (Throwable ex) {
				failure.add(ex);
			}
		});
		waiter.start();
		awaitWaiting(limiters, 1);

		waiter.interrupt();
		waiter.join(10_000);

		assertThat(failure).singleElement().isInstanceOf(InterruptedException.class);
		assertThat(limiters.snapshot("openai").waiting()).isZero();
		assertThat(limiters.snapshot("openai").inUse()).isEqualTo(1);
	}

	@Test
	void aStoreFailureWhileTakingGivesTheConcurrencySlotBack() throws Exception {
		FailingBucketStore store = new FailingBucketStore(new LocalBucketStore(this.clock));
		GuardSettings settings = GuardSettings.builder()
			.headroom(1.0)
			.priorityReserve(PriorityReserve.DEFAULT)
			.provider(openai(requestsPerMinute(100), 2))
			.build();
		RateLimiters limiters = new RateLimiters(settings, store, this.clock);

		store.failing = true;
		for (int i = 0; i < 3; i++) {
			assertThatThrownBy(() -> limiters.acquire(GPT_4O, tokens(1, 1), NORMAL, NO_WAIT))
				.isInstanceOf(IllegalStateException.class)
				.hasMessageContaining("store is down");
		}
		assertThat(limiters.snapshot("openai").inUse()).isZero();

		store.failing = false;
		RatePermit permit = limiters.acquire(GPT_4O, tokens(1, 1), NORMAL, NO_WAIT);
		assertThat(limiters.snapshot("openai").inUse()).isEqualTo(1);
		permit.settle(new Usage(1, 1));
		assertThat(limiters.snapshot("openai").inUse()).isZero();
	}

	@Test
	void aStoreFailureWhileWaitingGivesTheConcurrencySlotBackAndLeavesTheQueue() throws Exception {
		FailingBucketStore store = new FailingBucketStore(new LocalBucketStore(this.clock));
		GuardSettings settings = GuardSettings.builder()
			.headroom(1.0)
			.priorityReserve(PriorityReserve.NONE)
			.provider(openai(requestsPerMinute(1), 2))
			.build();
		RateLimiters limiters = new RateLimiters(settings, store, this.clock);
		RatePermit first = limiters.acquire(GPT_4O, tokens(1, 1), URGENT, NO_WAIT);
		CompletableFuture<RatePermit> waiter = acquireInBackground(limiters, GPT_4O, tokens(1, 1), URGENT, LONG_WAIT);
		awaitWaiting(limiters, 1);

		store.failing = true;
		this.clock.advance(Duration.ofMinutes(1));

		assertThatThrownBy(() -> waiter.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(IllegalStateException.class);
		assertThat(limiters.snapshot("openai").waiting()).isZero();
		assertThat(limiters.snapshot("openai").inUse()).isEqualTo(1);
		first.settle(new Usage(1, 1));
		assertThat(limiters.snapshot("openai").inUse()).isZero();
	}

	/** A store of real local buckets whose takes fail while {@link #failing}, as a shared store's do in an outage. */
	private static final class FailingBucketStore implements BucketStore {

		private final BucketStore delegate;

		volatile boolean failing;

		FailingBucketStore(BucketStore delegate) {
			this.delegate = delegate;
		}

		@Override
		public io.github.bucket4j.Bucket bucket(String key,
				java.util.function.Supplier<io.github.bucket4j.BucketConfiguration> configuration) {
			return this.delegate.bucket(key, configuration);
		}

		@Override
		public String backend() {
			return "failing";
		}

		@Override
		public int tryTakeAll(io.github.bucket4j.Bucket[] buckets, long[] amounts, long[] keep) {
			if (this.failing) {
				throw new IllegalStateException("store is down");
			}
			return this.delegate.tryTakeAll(buckets, amounts, keep);
		}

	}

	@Test
	void estimatesTheWaitFromRefill() throws Exception {
		RateLimiters limiters = limiters(openai(tokensPerMinute(6_000), null), 1.0, PriorityReserve.NONE);
		assertThat(limiters.estimatedWait(GPT_4O, tokens(1_000, 0))).isZero();
		limiters.acquire(GPT_4O, tokens(6_000, 0), URGENT, NO_WAIT);

		assertThat(limiters.estimatedWait(GPT_4O, tokens(1_000, 0))).isEqualTo(Duration.ofSeconds(10));
	}

	@Test
	void snapshotsListEveryProvider() {
		GuardSettings settings = GuardSettings.builder()
			.provider(openai(requestsPerMinute(10), null))
			.provider(new ProviderSpec("anthropic", null, null, 4, null, java.util.Map.of()))
			.build();
		RateLimiters limiters = new RateLimiters(settings, new LocalBucketStore(this.clock), this.clock);

		assertThat(limiters.snapshots()).containsOnlyKeys("anthropic", "openai");
		assertThat(limiters.snapshots().get("anthropic").limits()).isEmpty();
		assertThat(limiters.snapshots().get("anthropic").maxConcurrent()).isEqualTo(4);
		assertThat(limiters.snapshots().get("openai").maxConcurrent()).isNull();
	}

	@Test
	void bucketKeysComeFromConfigurationOnly() {
		List<String> keys = java.util.Collections.synchronizedList(new ArrayList<>());
		LocalBucketStore local = new LocalBucketStore(this.clock);
		BucketStore recording = new BucketStore() {
			@Override
			public io.github.bucket4j.Bucket bucket(String key,
					java.util.function.Supplier<io.github.bucket4j.BucketConfiguration> configuration) {
				keys.add(key);
				return local.bucket(key, configuration);
			}

			@Override
			public String backend() {
				return local.backend();
			}
		};
		GuardSettings settings = GuardSettings.builder()
			.provider(openai(limits(500L, 200_000L, null, null, null, null), null, model(GPT_4O, tokensPerMinute(1_000))))
			.build();

		new RateLimiters(settings, recording, this.clock);

		assertThat(keys).containsExactly("provider:openai:requests-per-minute", "provider:openai:tokens-per-minute",
				"model:openai/gpt-4o:tokens-per-minute");
	}

}

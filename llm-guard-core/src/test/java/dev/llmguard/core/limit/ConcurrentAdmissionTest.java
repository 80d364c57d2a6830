package dev.llmguard.core.limit;

import static dev.llmguard.core.limit.LimitFixtures.GPT_4O;
import static dev.llmguard.core.limit.LimitFixtures.GPT_4O_MINI;
import static dev.llmguard.core.limit.LimitFixtures.URGENT;
import static dev.llmguard.core.limit.LimitFixtures.limits;
import static dev.llmguard.core.limit.LimitFixtures.model;
import static dev.llmguard.core.limit.LimitFixtures.openai;
import static dev.llmguard.core.limit.LimitFixtures.requestsPerMinute;
import static dev.llmguard.core.limit.LimitFixtures.tokensPerMinute;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import dev.llmguard.core.config.GuardSettings;
import dev.llmguard.core.config.PriorityReserve;
import dev.llmguard.core.config.ProviderSpec;
import dev.llmguard.core.config.ToolSpec;
import dev.llmguard.core.model.ModelRef;
import dev.llmguard.core.model.Usage;
import dev.llmguard.core.time.GuardClock;
import dev.llmguard.core.time.ManualGuardClock;

/**
 * Many threads on one limit, the clock standing still: admissions never exceed the limit, and once
 * every permit is settled or released (also when the guarded work threw) nothing stays held.
 */
class ConcurrentAdmissionTest {

	private static final int THREADS = 64;

	private static final int CALLS = 50;

	private final ManualGuardClock clock = new ManualGuardClock();

	private RateLimiters limiters(ProviderSpec provider, double headroom, GuardClock clock) {
		GuardSettings settings = GuardSettings.builder()
			.headroom(headroom)
			.priorityReserve(PriorityReserve.DEFAULT)
			.provider(provider)
			.build();
		return new RateLimiters(settings, new LocalBucketStore(clock), clock);
	}

	/** Runs {@code calls} calls on each of {@code threads} threads, all released at once. */
	private static void hammer(int threads, int calls, Call call) throws Exception {
		ExecutorService pool = Executors.newFixedThreadPool(threads);
		CountDownLatch start = new CountDownLatch(1);
		List<Future<?>> futures = new ArrayList<>();
		try {
			for (int t = 0; t < threads; t++) {
				int thread = t;
				futures.add(pool.submit(() -> {
					start.await();
					for (int c = 0; c < calls; c++) {
						call.run(thread, c);
					}
					return null;
				}));
			}
			start.countDown();
			pool.shutdown();
			assertThat(pool.awaitTermination(60, TimeUnit.SECONDS)).as("every thread finished").isTrue();
			for (Future<?> future : futures) {
				future.get();
			}
		}
		finally {
			pool.shutdownNow();
		}
	}

	@FunctionalInterface
	private interface Call {

		void run(int thread, int call) throws Exception;

	}

	private static int priorityOf(int thread) {
		return thread % 10 + 1;
	}

	/** The guarded work: every third call fails and releases, the others settle. */
	private static void work(RatePermit permit, int call, Usage usage) {
		try {
			if (call % 3 == 0) {
				throw new IllegalStateException("provider failed");
			}
			permit.settle(usage);
		}
		catch (IllegalStateException ex) {
			permit.release();
		}
	}

	@Test
	void requestsPerMinuteAreNeverOvershot() throws Exception {
		RateLimiters limiters = limiters(openai(requestsPerMinute(500), null), 0.8, this.clock);
		AtomicInteger admitted = new AtomicInteger();

		hammer(THREADS, CALLS, (thread, call) -> {
			try {
				RatePermit permit = limiters.acquire(GPT_4O, new Demand(10, 10), priorityOf(thread), Duration.ZERO);
				admitted.incrementAndGet();
				work(permit, call, new Usage(10, 5));
			}
			catch (NoCapacityException ex) {
				assertThat(ex.retryAfter()).isPositive();
			}
		});

		LimitSnapshot snapshot = limiters.snapshot("openai");
		long available = snapshot.limits().get("requests-per-minute").available();
		assertThat(admitted.get()).isLessThanOrEqualTo(400).isEqualTo(400 - available);
		assertThat(snapshot.inUse()).isZero();
		assertThat(snapshot.waiting()).isZero();
	}

	@Test
	void urgentCallsGetEveryRequestOfTheMinute() throws Exception {
		RateLimiters limiters = limiters(openai(requestsPerMinute(500), null), 0.8, this.clock);
		AtomicInteger admitted = new AtomicInteger();

		hammer(THREADS, CALLS, (thread, call) -> {
			try {
				limiters.acquire(GPT_4O, new Demand(10, 10), URGENT, Duration.ZERO).release();
				admitted.incrementAndGet();
			}
			catch (NoCapacityException ex) {
				// expected once the minute's requests are spent
			}
		});

		assertThat(admitted.get()).isEqualTo(400);
		assertThat(limiters.snapshot("openai").limits().get("requests-per-minute").available()).isZero();
	}

	@Test
	void tokensPerMinuteAreNeverOvershotWhileCallsSettleConcurrently() throws Exception {
		RateLimiters limiters = limiters(openai(limits(null, 100_000L, null, null, null, null), null,
				model(GPT_4O, tokensPerMinute(60_000))), 1.0, this.clock);
		// tokens held by running calls plus tokens used by settled ones; raised only after a bucket gave
		// them and lowered before they go back, so it can only exceed the capacity if the limiter did
		AtomicLong committed = new AtomicLong();
		AtomicLong highest = new AtomicLong();
		AtomicLong used = new AtomicLong();

		hammer(THREADS, CALLS, (thread, call) -> {
			ThreadLocalRandom random = ThreadLocalRandom.current();
			Demand demand = new Demand(random.nextInt(1, 1_000), 500);
			ModelRef model = (thread % 2 == 0) ? GPT_4O : GPT_4O_MINI;
			RatePermit permit;
			try {
				permit = limiters.acquire(model, demand, priorityOf(thread), Duration.ZERO);
			}
			catch (NoCapacityException ex) {
				return;
			}
			highest.accumulateAndGet(committed.addAndGet(demand.totalTokens()), Math::max);
			Usage usage = new Usage(demand.inputTokens(), random.nextInt(0, 501));
			if (call % 3 == 0) {
				committed.addAndGet(-demand.totalTokens());
				permit.release();
			}
			else {
				committed.addAndGet(usage.totalTokens() - demand.totalTokens());
				used.addAndGet(usage.totalTokens());
				permit.settle(usage);
			}
		});

		LimitSnapshot snapshot = limiters.snapshot("openai");
		assertThat(highest.get()).isPositive().isLessThanOrEqualTo(100_000);
		assertThat(snapshot.limits().get("tokens-per-minute").available()).isEqualTo(100_000 - used.get());
		assertThat(snapshot.modelLimits().get("gpt-4o").get("tokens-per-minute").available())
			.isGreaterThanOrEqualTo(0);
		assertThat(snapshot.inUse()).isZero();
	}

	@Test
	void maxConcurrentIsNeverOvershotAndEveryWaiterGetsIn() throws Exception {
		assertConcurrencyHolds(this.clock);
	}

	@Test
	void maxConcurrentWaitersAreWokenBySettlementOnTheSystemClock() throws Exception {
		// no manual clock re-checking every millisecond: a lost wake-up would hang until the executor gives up
		assertConcurrencyHolds(GuardClock.system());
	}

	private void assertConcurrencyHolds(GuardClock clock) throws Exception {
		RateLimiters limiters = limiters(openai(null, 8), 1.0, clock);
		AtomicInteger running = new AtomicInteger();
		AtomicInteger highest = new AtomicInteger();
		AtomicInteger admitted = new AtomicInteger();

		hammer(THREADS, CALLS, (thread, call) -> {
			RatePermit permit = limiters.acquire(GPT_4O, new Demand(1, 1), priorityOf(thread), Duration.ofMinutes(10));
			admitted.incrementAndGet();
			highest.accumulateAndGet(running.incrementAndGet(), Math::max);
			Thread.yield();
			running.decrementAndGet();
			work(permit, call, new Usage(1, 1));
		});

		assertThat(admitted.get()).isEqualTo(THREADS * CALLS);
		assertThat(highest.get()).isBetween(1, 8);
		assertThat(limiters.snapshot("openai").inUse()).isZero();
		assertThat(limiters.snapshot("openai").waiting()).isZero();
	}

	@Test
	void retriesNeverOvershootTheRequestsPerMinute() throws Exception {
		RateLimiters limiters = limiters(openai(requestsPerMinute(1_000), null, model(GPT_4O, requestsPerMinute(300))),
				1.0, this.clock);
		AtomicInteger requests = new AtomicInteger();

		hammer(THREADS, CALLS, (thread, call) -> {
			RatePermit permit;
			try {
				permit = limiters.acquire(GPT_4O, new Demand(1, 1), URGENT, Duration.ZERO);
			}
			catch (NoCapacityException ex) {
				return;
			}
			requests.incrementAndGet();
			try {
				while (limiters.acquireRetryRequest(permit, URGENT, Duration.ZERO)) {
					requests.incrementAndGet();
				}
			}
			finally {
				permit.release();
			}
		});

		assertThat(requests.get()).isEqualTo(300);
		assertThat(limiters.snapshot("openai").limits().get("requests-per-minute").available()).isEqualTo(700);
		assertThat(limiters.snapshot("openai").inUse()).isZero();
	}

	@Test
	void toolCallsAreNeverOvershot() throws Exception {
		GuardSettings settings = GuardSettings.builder()
			.tool(new ToolSpec("search_products", 100, Duration.ofMinutes(1), null))
			.build();
		ToolLimiter tools = new ToolLimiter(settings, new LocalBucketStore(this.clock), this.clock);
		AtomicInteger allowed = new AtomicInteger();

		hammer(32, CALLS, (thread, call) -> {
			if (tools.tryAcquire("search_products").allowed()) {
				allowed.incrementAndGet();
			}
		});

		assertThat(allowed.get()).isEqualTo(100);
		assertThat(tools.snapshot().get("search_products").available()).isZero();
	}

}

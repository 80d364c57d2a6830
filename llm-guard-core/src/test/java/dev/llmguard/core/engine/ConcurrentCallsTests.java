package dev.llmguard.core.engine;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import dev.llmguard.core.BudgetExceededException;
import dev.llmguard.core.CallRequest;
import dev.llmguard.core.FallbackExhaustedException;
import dev.llmguard.core.RateLimitExceededException;
import dev.llmguard.core.budget.BudgetUsage;
import dev.llmguard.core.config.BudgetPeriod;
import dev.llmguard.core.config.BudgetScope;
import dev.llmguard.core.config.BudgetSpec;
import dev.llmguard.core.config.OnExceeded;
import dev.llmguard.core.config.RetrySettings;
import dev.llmguard.core.event.GuardEvent;
import dev.llmguard.core.retry.ProviderResponseException;

import static dev.llmguard.core.engine.EngineFixtures.requestsPerMinute;
import static dev.llmguard.core.engine.EngineFixtures.status;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Many threads through one chain with a requests-per-minute limit and a global budget, the provider
 * failing at random (seeded) with 503s and application exceptions: admissions never exceed the limit,
 * spending never exceeds the budget, and when everything has settled nothing is held. Retries pause
 * for zero time, so the clock only moves between rounds and each round is exactly one window of the
 * request bucket. The rate limit binds in every round; the budget (about $0.40 spent a round) runs out in the third.
 */
class ConcurrentCallsTests {

	private static final int THREADS = 32;

	private static final int CALLS_PER_THREAD = 40;

	private static final int REQUESTS_PER_MINUTE = 150;

	private static final int ROUNDS = 4;

	private static final BudgetSpec BUDGET = new BudgetSpec("fleet", BudgetScope.GLOBAL, BudgetPeriod.NONE,
			new java.math.BigDecimal("1.00"), null, 0.8, OnExceeded.REJECT);

	private final EngineFixtures.Guard guard = EngineFixtures.guard(s -> {
		s.providerLimits = requestsPerMinute(REQUESTS_PER_MINUTE);
		s.maxConcurrent = 12;
		s.maxWait = Duration.ZERO;
		s.retry = new RetrySettings(3, Duration.ZERO, 2.0, Duration.ZERO, Duration.ZERO);
		s.budget(BUDGET);
	});

	private final AtomicInteger invocations = new AtomicInteger();

	private final Map<Class<?>, AtomicInteger> outcomes = new ConcurrentHashMap<>();

	@Test
	void admissionsAndSpendingStayWithinTheirLimitsAndEverythingSettles() throws Exception {
		ExecutorService pool = Executors.newFixedThreadPool(THREADS);
		try {
			for (int round = 0; round < ROUNDS; round++) {
				this.invocations.set(0);
				long requestsBefore = this.guard.available("requests-per-minute");
				runRound(pool, round);

				assertThat(this.invocations.get()).as("operations invoked in round %d", round)
					.isLessThanOrEqualTo(REQUESTS_PER_MINUTE);
				// every request taken from the bucket is one attempt that really ran
				assertThat(requestsBefore - this.guard.available("requests-per-minute"))
					.isEqualTo(this.invocations.get());
				assertSpentWithinBudget();
				this.guard.assertNothingHeld();
				this.guard.clock.advance(Duration.ofMinutes(1));
			}
		}
		finally {
			pool.shutdownNow();
		}
		assertThat(this.guard.events(GuardEvent.CallFinished.class)).hasSize(ROUNDS * THREADS * CALLS_PER_THREAD);
		assertThat(this.outcomes).containsKeys(String.class, RateLimitExceededException.class,
				BudgetExceededException.class, IllegalStateException.class);
		assertThat(this.outcomes.keySet()).allMatch(outcome -> List
			.of(String.class, RateLimitExceededException.class, BudgetExceededException.class,
					IllegalStateException.class, ProviderResponseException.class, FallbackExhaustedException.class)
			.contains(outcome), "only expected outcomes");
	}

	private void runRound(ExecutorService pool, int round) throws Exception {
		CountDownLatch go = new CountDownLatch(1);
		List<Future<?>> workers = new java.util.ArrayList<>();
		for (int t = 0; t < THREADS; t++) {
			Random random = new Random(1000L * round + t);
			workers.add(pool.submit(() -> {
				go.await();
				for (int i = 0; i < CALLS_PER_THREAD; i++) {
					record(callOnce(random));
				}
				return null;
			}));
		}
		go.countDown();
		for (Future<?> worker : workers) {
			worker.get(60, TimeUnit.SECONDS);
		}
	}

	private Object callOnce(Random random) {
		CallRequest request = CallRequest.builder()
			.chain("default")
			.estimatedInputTokens(1000L)
			.maxOutputTokens(500)
			.build();
		try {
			return this.guard.engine.execute(request, context -> {
				this.invocations.incrementAndGet();
				int roll = random.nextInt(100);
				if (roll < 20) {
					throw status(503);
				}
				if (roll < 27) {
					throw new IllegalStateException("application bug");
				}
				if (roll < 50) {
					return "no usage reported";
				}
				// a provider never answers past the max tokens the request carries: the allowance, which a budget
				// may have shrunk below the 500 asked for
				context.recordUsage(500 + random.nextInt(501), random.nextInt((int) context.maxOutputTokens() + 1));
				return "answer";
			}, text -> text);
		}
		catch (Throwable ex) {
			return ex;
		}
	}

	private void record(Object outcome) {
		Class<?> type = (outcome instanceof Throwable) ? outcome.getClass() : String.class;
		this.outcomes.computeIfAbsent(type, k -> new AtomicInteger()).incrementAndGet();
	}

	private void assertSpentWithinBudget() {
		BudgetUsage usage = this.guard.engine.budgets().usage("fleet", "");
		long settled = this.guard.events(GuardEvent.CallFinished.class)
			.stream()
			.mapToLong(GuardEvent.CallFinished::costNanos)
			.sum();
		assertThat(usage.spentCostNanos()).isEqualTo(settled).isLessThanOrEqualTo(BUDGET.maxCostNanos());
		assertThat(usage.reservedCostNanos()).isZero();
	}

}

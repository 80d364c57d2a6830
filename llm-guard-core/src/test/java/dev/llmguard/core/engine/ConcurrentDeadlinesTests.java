package dev.llmguard.core.engine;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
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
import dev.llmguard.core.event.GuardEvent;
import dev.llmguard.core.retry.ProviderResponseException;

import static dev.llmguard.core.engine.EngineFixtures.requestsPerMinute;
import static dev.llmguard.core.engine.EngineFixtures.status;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Many threads whose calls run out of time: short deadlines, a provider answering 429 with long
 * Retry-Afters and 503s at random (seeded), a request limit and a concurrency cap that make calls
 * wait, some calls that never wait ({@code maxWait = 0}). When everything has ended nothing is held:
 * no budget reservation, no concurrency slot, no waiter. Time moves by the calls' own pauses and
 * attempts, and by this test between checks, never by the wall clock.
 */
class ConcurrentDeadlinesTests {

	private static final int THREADS = 16;

	private static final int CALLS_PER_THREAD = 30;

	private static final BudgetSpec BUDGET = new BudgetSpec("fleet", BudgetScope.GLOBAL, BudgetPeriod.NONE,
			new BigDecimal("100.00"), null, 0.8, OnExceeded.REJECT);

	private final EngineFixtures.Guard guard = EngineFixtures.guard(s -> {
		s.providerLimits = requestsPerMinute(120);
		s.maxConcurrent = 4;
		s.maxWait = Duration.ofSeconds(30);
		s.retry = EngineFixtures.maxTotalTime(Duration.ofSeconds(8));
		s.budget(BUDGET);
	});

	private final Map<String, AtomicInteger> outcomes = new ConcurrentHashMap<>();

	@Test
	void callsWhoseDeadlinesExpireLeaveNothingHeld() throws Exception {
		ExecutorService pool = Executors.newFixedThreadPool(THREADS);
		CountDownLatch done = new CountDownLatch(THREADS);
		List<Future<?>> workers = new ArrayList<>();
		try {
			for (int t = 0; t < THREADS; t++) {
				Random random = new Random(7919L * t);
				workers.add(pool.submit(() -> {
					try {
						for (int i = 0; i < CALLS_PER_THREAD; i++) {
							record(callOnce(random));
						}
					}
					finally {
						done.countDown();
					}
					return null;
				}));
			}
			// waiters for refill see time move; the calls' own pauses move it too
			while (!done.await(1, TimeUnit.MILLISECONDS)) {
				this.guard.clock.advance(Duration.ofMillis(250));
			}
			for (Future<?> worker : workers) {
				worker.get(10, TimeUnit.SECONDS);
			}
		}
		finally {
			pool.shutdownNow();
		}

		this.guard.assertNothingHeld();
		BudgetUsage fleet = this.guard.budget("fleet", "");
		assertThat(fleet.reservedCostNanos()).isZero();
		assertThat(fleet.spentCostNanos()).isLessThanOrEqualTo(BUDGET.maxCostNanos());
		assertThat(this.guard.events(GuardEvent.CallFinished.class)).hasSize(THREADS * CALLS_PER_THREAD);
		assertThat(this.outcomes).containsKeys("success", "deadline");
		assertThat(this.outcomes.keySet()).allMatch(List.of("success", "deadline", "rate_limited", "provider_error",
				"fallback_exhausted", "budget_exceeded")::contains, "only expected outcomes");
	}

	private Object callOnce(Random random) {
		CallRequest.Builder request = CallRequest.builder()
			.estimatedInputTokens(500L)
			.maxOutputTokens(500)
			.priority(1 + random.nextInt(10))
			.maxTotalTime(Duration.ofSeconds(2 + random.nextInt(9)));
		if (random.nextBoolean()) {
			request.chain("default");
		}
		else {
			request.model(EngineFixtures.GPT_4O);
		}
		if (random.nextInt(4) == 0) {
			request.maxWait(Duration.ZERO);
		}
		try {
			return this.guard.engine.execute(request.build(), context -> {
				int roll = random.nextInt(100);
				this.guard.clock.advance(Duration.ofMillis(random.nextInt(300)));
				if (roll < 30) {
					throw status(429, Duration.ofSeconds(1 + random.nextInt(15)));
				}
				if (roll < 45) {
					throw status(503);
				}
				context.recordUsage(400 + random.nextInt(100), random.nextInt(500));
				return "answer";
			}, text -> text);
		}
		catch (Throwable ex) {
			return ex;
		}
	}

	private void record(Object outcome) {
		String name;
		if (outcome instanceof String) {
			name = "success";
		}
		else if (outcome instanceof RateLimitExceededException ex) {
			name = ex.getMessage().contains("deadline") ? "deadline" : "rate_limited";
		}
		else if (outcome instanceof ProviderResponseException) {
			name = "provider_error";
		}
		else if (outcome instanceof FallbackExhaustedException) {
			name = "fallback_exhausted";
		}
		else if (outcome instanceof BudgetExceededException) {
			name = "budget_exceeded";
		}
		else {
			name = String.valueOf(outcome);
		}
		this.outcomes.computeIfAbsent(name, k -> new AtomicInteger()).incrementAndGet();
	}

}

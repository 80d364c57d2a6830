package dev.llmguard.core.engine;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;

import dev.llmguard.core.CallRequest;
import dev.llmguard.core.GuardedOperation;
import dev.llmguard.core.LlmGuard;
import dev.llmguard.core.config.AnswerCacheSpec;
import dev.llmguard.core.config.BudgetPeriod;
import dev.llmguard.core.config.BudgetScope;
import dev.llmguard.core.config.BudgetSpec;
import dev.llmguard.core.config.ChainSpec;
import dev.llmguard.core.config.OnExceeded;
import dev.llmguard.core.event.GuardEvent;
import dev.llmguard.core.model.Usage;

import static dev.llmguard.core.engine.EngineFixtures.CANNED;
import static dev.llmguard.core.engine.EngineFixtures.GPT_4O;
import static dev.llmguard.core.engine.EngineFixtures.MINI;
import static dev.llmguard.core.engine.EngineFixtures.status;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Many threads of many tenants through a chain with a cache of last answers, while its models answer
 * and then fail: each tenant is only ever answered its own answers, the cache stays within its bound,
 * and every reservation and slot comes back; a budget is never overspent.
 */
class CachedAnswerConcurrencyTests {

	private static final int THREADS = 16;

	private static final int TENANTS = 8;

	@Test
	void tenantsGetOnlyTheirOwnAnswersAndNothingLeaks() throws Exception {
		EngineFixtures.Guard guard = new EngineFixtures.Guard(EngineFixtures.settings(s -> {
			s.chain(new ChainSpec("cached", List.of(GPT_4O, MINI), Duration.ZERO, CANNED,
					new AnswerCacheSpec(Duration.ofMinutes(10), 4, false)));
			s.budget(new BudgetSpec("per-tenant", BudgetScope.TENANT, BudgetPeriod.DAY, new BigDecimal("1.00"), null,
					0.8, OnExceeded.REJECT));
		}));
		AtomicBoolean failing = new AtomicBoolean();
		GuardedOperation<String> provider = context -> {
			if (failing.get()) {
				throw status(503);
			}
			context.recordUsage(new Usage(100, 20));
			return "answer for " + context.tenant();
		};
		LlmGuard facade = new LlmGuard(guard.engine);
		Map<String, String> wrongTenant = new ConcurrentHashMap<>();
		ExecutorService pool = Executors.newFixedThreadPool(THREADS);
		try {
			for (boolean fail : new boolean[] { false, true }) {
				failing.set(fail);
				CountDownLatch go = new CountDownLatch(1);
				List<Future<?>> workers = new ArrayList<>();
				for (int t = 0; t < THREADS; t++) {
					int thread = t;
					workers.add(pool.submit(() -> {
						go.await();
						for (int i = 0; i < 25; i++) {
							String tenant = "tenant-" + ((thread + i) % TENANTS);
							CallRequest request = facade.request()
								.chain("cached")
								.tenant(tenant)
								.prompt("Where is my order?")
								.build();
							String answer = facade.call(request, provider, text -> text);
							if (!answer.equals("answer for " + tenant) && !answer.equals(CANNED)) {
								wrongTenant.put(tenant, answer);
							}
						}
						return null;
					}));
				}
				go.countDown();
				for (Future<?> worker : workers) {
					worker.get(60, TimeUnit.SECONDS);
				}
			}
		}
		finally {
			pool.shutdownNow();
		}
		assertThat(wrongTenant).isEmpty();
		List<GuardEvent.CallFinished> finished = guard.events(GuardEvent.CallFinished.class);
		assertThat(finished).hasSize(2 * THREADS * 25);
		// the cache holds 4 answers of the chain at most: of 8 tenants, some are answered from it, the rest canned
		assertThat(finished).anyMatch(call -> call.outcome().equals("cached_response"));
		assertThat(finished).anyMatch(call -> call.outcome().equals("fallback_response"));
		for (int t = 0; t < TENANTS; t++) {
			assertThat(guard.budget("per-tenant", "tenant-" + t).spentCostNanos()).isLessThanOrEqualTo(1_000_000_000L);
		}
		guard.assertNothingHeld();
	}

}

package dev.llmguard.springai;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.client.ChatClient;

import dev.llmguard.core.BudgetExceededException;
import dev.llmguard.core.LlmGuardEngine;
import dev.llmguard.core.Money;
import dev.llmguard.core.budget.BudgetUsage;
import dev.llmguard.core.config.BudgetPeriod;
import dev.llmguard.core.config.BudgetScope;
import dev.llmguard.core.config.BudgetSpec;
import dev.llmguard.core.config.OnExceeded;
import dev.llmguard.test.simulator.ProviderSimulator;
import dev.llmguard.test.simulator.SimulatorStats;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The worst case reserved is the worst case the provider can bill: a request that sets no max tokens
 * leaves with the reserved allowance, so a provider whose own default answer is longer cannot push
 * spend past a budget, however many calls run at once.
 */
class WorstCaseEnforcedTests {

	private static final int THREADS = 32;

	/** The model's allowance in {@link SimulatorGuard}: the simulator would answer three times as much. */
	private static final int ALLOWANCE = 1000;

	private final ProviderSimulator simulator = ProviderSimulator.builder().outputTokens(3 * ALLOWANCE).build().start();

	private LlmGuardEngine engine;

	@AfterEach
	void close() {
		this.engine.close();
		this.simulator.stop();
	}

	@Test
	void underThirtyTwoThreadsSpendNeverPassesASmallBudgetAndEqualsTheProvidersUsageTimesPrice() throws Exception {
		BigDecimal cap = new BigDecimal("0.20"); // about twenty worst cases of gpt-4o
		this.engine = SimulatorGuard.openAi(this.simulator)
			.budget(new BudgetSpec("small", BudgetScope.GLOBAL, BudgetPeriod.NONE, cap, null, 0.9, OnExceeded.REJECT))
			.build();
		ChatClient client = SimulatorGuard.chatClient(SimulatorGuard.chatModel(this.simulator, "gpt-4o"), this.engine);
		AtomicInteger answered = new AtomicInteger();
		AtomicInteger rejected = new AtomicInteger();
		CountDownLatch start = new CountDownLatch(1);
		ExecutorService pool = Executors.newFixedThreadPool(THREADS);
		List<Future<?>> done = new ArrayList<>();
		for (int t = 0; t < THREADS; t++) {
			int thread = t;
			done.add(pool.submit(() -> {
				start.await();
				for (int i = 0; i < 3; i++) {
					try {
						client.prompt("Write a long story about thread " + thread + ", part " + i).call().content();
						answered.incrementAndGet();
					}
					catch (BudgetExceededException ex) {
						rejected.incrementAndGet();
					}
				}
				return null;
			}));
		}
		start.countDown();
		for (Future<?> future : done) {
			future.get(60, TimeUnit.SECONDS);
		}
		pool.shutdown();

		assertThat(answered.get()).isPositive();
		assertThat(rejected.get()).as("the budget ran out").isPositive();
		SimulatorStats stats = this.simulator.stats();
		assertThat(stats.outputTokens()).as("no answer longer than its reserved allowance")
			.isLessThanOrEqualTo((long) ALLOWANCE * stats.succeeded());
		BudgetUsage small = this.engine.budgets().usage("small", "");
		assertThat(small.spentCostNanos()).isLessThanOrEqualTo(Money.fromUsd(cap));
		assertThat(small.spentCostNanos()).isEqualTo(
				SimulatorGuard.nanos(stats.inputTokens(), stats.outputTokens(), SimulatorGuard.GPT_4O_PRICE));
		assertThat(small.reservedCostNanos()).isZero();
		assertThat(SimulatorGuard.inUse(this.engine)).isZero();
	}

}

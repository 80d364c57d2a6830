package dev.llmguard.core.engine;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import dev.llmguard.core.BudgetExceededException;
import dev.llmguard.core.CallRequest;
import dev.llmguard.core.GuardedOperation;
import dev.llmguard.core.config.BudgetPeriod;
import dev.llmguard.core.config.BudgetScope;
import dev.llmguard.core.config.BudgetSpec;
import dev.llmguard.core.config.OnExceeded;
import dev.llmguard.core.event.GuardEvent;
import dev.llmguard.core.model.Usage;

import static dev.llmguard.core.engine.EngineFixtures.GPT_4O;
import static dev.llmguard.core.engine.EngineFixtures.costBudget;
import static dev.llmguard.core.engine.EngineFixtures.notShrinking;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Shrink to fit (DESIGN §3, "the worst case is enforced"): a budget that cannot afford a call's whole
 * output allowance, but can afford a smaller one no smaller than {@code min-output-tokens}, lowers the
 * allowance instead of rejecting or downgrading, and the call's context carries the lowered allowance
 * (the entry points write it into the request that leaves).
 */
class ShrinkToFitTests {

	/** The allowance each attempt ran with. */
	private final List<Long> allowances = new CopyOnWriteArrayList<>();

	/** Answers with the given output, never above the allowance, as a provider does with max tokens. */
	private GuardedOperation<String> answering(long outputTokens) {
		return context -> {
			this.allowances.add(context.maxOutputTokens());
			context.recordUsage(new Usage(1000, Math.min(outputTokens, context.maxOutputTokens())));
			return context.model();
		};
	}

	/** 1,000 input tokens on gpt-4o (2.50 / 10.00 per 1M): $0.0025 in, $0.00001 per output token. */
	private static CallRequest request(Integer maxOut) {
		return CallRequest.builder()
			.model(GPT_4O)
			.tenant("acme")
			.session("s-1")
			.estimatedInputTokens(1000L)
			.maxOutputTokens(maxOut)
			.build();
	}

	@Test
	void aBudgetThatCannotAffordTheWholeAllowanceLowersItToWhatItAffords() throws Throwable {
		EngineFixtures.Guard guard = EngineFixtures.guard(s -> s
			.budget(costBudget("tenant-cap", BudgetScope.TENANT, "0.01", OnExceeded.REJECT)));

		// the whole allowance costs $0.0025 + $0.01 = $0.0125 > $0.01; 750 output tokens cost exactly $0.01
		assertThat(guard.engine.execute(request(1000), answering(300), text -> text)).isEqualTo("gpt-4o");

		assertThat(this.allowances).containsExactly(750L);
		assertThat(guard.events(GuardEvent.Shrunk.class)).singleElement().satisfies(shrunk -> {
			assertThat(shrunk.budget()).isEqualTo("tenant-cap");
			assertThat(shrunk.provider()).isEqualTo("openai");
			assertThat(shrunk.model()).isEqualTo("gpt-4o");
			assertThat(shrunk.fromTokens()).isEqualTo(1000);
			assertThat(shrunk.toTokens()).isEqualTo(750);
		});
		// spend is still the price of what the provider reported: $0.0025 + $0.003
		assertThat(guard.budget("tenant-cap", "acme").spentCostNanos()).isEqualTo(5_500_000L);
		guard.assertNothingHeld();
	}

	@Test
	void aDowngradingBudgetShrinksBeforeItDowngrades() throws Throwable {
		EngineFixtures.Guard guard = EngineFixtures.guard(s -> s
			.budget(costBudget("tenant-downgrade", BudgetScope.TENANT, "0.01", OnExceeded.DOWNGRADE)));

		CallRequest onTheChain = CallRequest.builder()
			.chain("default")
			.tenant("acme")
			.estimatedInputTokens(1000L)
			.maxOutputTokens(1000)
			.build();
		guard.engine.execute(onTheChain, answering(300), text -> text);

		assertThat(guard.finished().model()).isEqualTo("gpt-4o");
		assertThat(this.allowances).containsExactly(750L);
		assertThat(guard.events(GuardEvent.FellBack.class)).isEmpty();
	}

	@Test
	void neverBelowMinOutputTokens() {
		EngineFixtures.Guard guard = EngineFixtures.guard(s -> s
			.budget(costBudget("tenant-cap", BudgetScope.TENANT, "0.005", OnExceeded.REJECT)));

		// $0.0025 of input leaves $0.0025: 250 output tokens, below the floor of 256
		assertThatExceptionOfType(BudgetExceededException.class)
			.isThrownBy(() -> guard.engine.execute(request(1000), answering(300), text -> text));
		assertThat(this.allowances).isEmpty();
		assertThat(guard.events(GuardEvent.Shrunk.class)).isEmpty();
		guard.assertNothingHeld();
	}

	@Test
	void theFloorIsConfigurable() throws Throwable {
		EngineFixtures.Guard guard = EngineFixtures.guard(s -> {
			s.minOutputTokens = 200;
			s.budget(costBudget("tenant-cap", BudgetScope.TENANT, "0.005", OnExceeded.REJECT));
		});

		guard.engine.execute(request(1000), answering(100), text -> text);

		assertThat(this.allowances).containsExactly(250L);
	}

	@Test
	void anAllowanceAlreadyBelowTheFloorIsNotShrunk() {
		EngineFixtures.Guard guard = EngineFixtures.guard(s -> s
			.budget(costBudget("tenant-cap", BudgetScope.TENANT, "0.0045", OnExceeded.REJECT)));

		// 200 output tokens asked for, $0.0045 affords 200 only without the input: rejected, not shrunk
		assertThatExceptionOfType(BudgetExceededException.class)
			.isThrownBy(() -> guard.engine.execute(request(300), answering(300), text -> text));
		assertThat(guard.events(GuardEvent.Shrunk.class)).isEmpty();
	}

	@Test
	void turnedOffForEveryBudgetItRejectsAsBefore() {
		EngineFixtures.Guard guard = EngineFixtures.guard(s -> {
			s.shrinkToFit = false;
			s.budget(costBudget("tenant-cap", BudgetScope.TENANT, "0.01", OnExceeded.REJECT));
		});

		assertThatExceptionOfType(BudgetExceededException.class)
			.isThrownBy(() -> guard.engine.execute(request(1000), answering(300), text -> text));
		assertThat(this.allowances).isEmpty();
	}

	@Test
	void aBudgetCanTurnItOnOrOffForItself() throws Throwable {
		EngineFixtures.Guard off = EngineFixtures.guard(s -> s
			.budget(notShrinking(costBudget("tenant-cap", BudgetScope.TENANT, "0.01", OnExceeded.REJECT))));
		assertThatExceptionOfType(BudgetExceededException.class)
			.isThrownBy(() -> off.engine.execute(request(1000), answering(300), text -> text));

		EngineFixtures.Guard on = EngineFixtures.guard(s -> {
			s.shrinkToFit = false;
			s.budget(new BudgetSpec("tenant-cap", BudgetScope.TENANT, BudgetPeriod.DAY, new BigDecimal("0.01"), null,
					0.8, OnExceeded.REJECT, true));
		});
		on.engine.execute(request(1000), answering(300), text -> text);
		assertThat(this.allowances).containsExactly(750L);
	}

	@Test
	void theTightestOfSeveralBudgetsDecides() throws Throwable {
		EngineFixtures.Guard guard = EngineFixtures.guard(s -> s
			.budget(costBudget("tenant-cap", BudgetScope.TENANT, "0.01", OnExceeded.REJECT))
			.budget(costBudget("session-cap", BudgetScope.SESSION, "0.008", OnExceeded.REJECT))
			.budget(new BudgetSpec("session-tokens", BudgetScope.SESSION, BudgetPeriod.NONE, null, 1_600L, 0.8,
					OnExceeded.REJECT)));

		guard.engine.execute(request(1000), answering(300), text -> text);

		// tenant: 750, session cost: 550, session tokens: 600
		assertThat(this.allowances).containsExactly(550L);
		assertThat(guard.events(GuardEvent.Shrunk.class)).singleElement()
			.satisfies(shrunk -> assertThat(shrunk.toTokens()).isEqualTo(550));
		guard.assertNothingHeld();
	}

	@Test
	void aTokenBudgetShrinksToTheTokensLeft() throws Throwable {
		EngineFixtures.Guard guard = EngineFixtures.guard(s -> s.budget(new BudgetSpec("session-tokens",
				BudgetScope.SESSION, BudgetPeriod.NONE, null, 1_500L, 0.8, OnExceeded.REJECT)));

		guard.engine.execute(request(1000), answering(100), text -> text);

		assertThat(this.allowances).containsExactly(500L);
		assertThat(guard.budget("session-tokens", "s-1").spentTokens()).isEqualTo(1100);
	}

	/**
	 * The acceptance of issue 15: a tenant budget of $0.015 serving gpt-4o calls that set no max tokens
	 * (the default allowance of 1,024, rejecting) spends at least 80 % of its cap before its first
	 * rejection; without shrinking it stopped at about a third.
	 */
	@Test
	void aSmallTenantBudgetIsSpentToAtLeastEightyPercentBeforeItsFirstRejection() throws Throwable {
		long cap = 15_000_000L;
		assertThat(spentBeforeFirstRejection(true)).isGreaterThanOrEqualTo(cap * 80 / 100);
		assertThat(spentBeforeFirstRejection(false)).isLessThan(cap * 40 / 100);
	}

	private long spentBeforeFirstRejection(boolean shrink) throws Throwable {
		EngineFixtures.Guard guard = EngineFixtures.guard(s -> {
			s.shrinkToFit = shrink;
			s.budget(costBudget("tenant-cap", BudgetScope.TENANT, "0.015", OnExceeded.REJECT));
		});
		CallRequest noMaxTokens = CallRequest.builder().model(GPT_4O).tenant("acme").estimatedInputTokens(20L).build();
		GuardedOperation<String> answer = context -> {
			context.recordUsage(new Usage(20, Math.min(120, context.maxOutputTokens())));
			return "ok";
		};
		for (int i = 0; i < 1_000; i++) {
			try {
				guard.engine.execute(noMaxTokens, answer, text -> text);
			}
			catch (BudgetExceededException ex) {
				guard.assertNothingHeld();
				// spend is exactly usage x price: 20 in at $2.50/1M, 120 out at $10/1M per call
				assertThat(guard.budget("tenant-cap", "acme").spentCostNanos()).isEqualTo(i * 1_250_000L);
				return guard.budget("tenant-cap", "acme").spentCostNanos();
			}
		}
		throw new AssertionError("never rejected");
	}

	@Test
	void manyThreadsShrinkingAgainstOneBudgetNeverOverspendIt() throws Exception {
		EngineFixtures.Guard guard = EngineFixtures.guard(s -> s
			.budget(costBudget("tenant-cap", BudgetScope.TENANT, "0.21", OnExceeded.REJECT)));
		// every call spends its whole allowance, the worst case the budget reserved
		GuardedOperation<String> spendsItAll = context -> {
			this.allowances.add(context.maxOutputTokens());
			context.recordUsage(new Usage(1000, context.maxOutputTokens()));
			return "ok";
		};
		AtomicInteger rejected = new AtomicInteger();
		ExecutorService pool = Executors.newFixedThreadPool(16);
		try {
			CountDownLatch go = new CountDownLatch(1);
			List<Future<?>> workers = new ArrayList<>();
			for (int t = 0; t < 16; t++) {
				workers.add(pool.submit(() -> {
					go.await();
					for (int i = 0; i < 20; i++) {
						try {
							guard.engine.execute(request(1000), spendsItAll, text -> text);
						}
						catch (BudgetExceededException ex) {
							rejected.incrementAndGet();
						}
						catch (Throwable ex) {
							throw new AssertionError(ex);
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
		finally {
			pool.shutdownNow();
		}
		assertThat(guard.budget("tenant-cap", "acme").spentCostNanos()).isLessThanOrEqualTo(210_000_000L);
		assertThat(rejected.get()).isPositive();
		assertThat(this.allowances).allMatch(allowance -> allowance >= 256 && allowance <= 1000);
		assertThat(this.allowances).anyMatch(allowance -> allowance < 1000);
		guard.assertNothingHeld();
	}

}

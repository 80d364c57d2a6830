package dev.llmguard.core.budget;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import dev.llmguard.core.config.BudgetPeriod;
import dev.llmguard.core.config.BudgetScope;
import dev.llmguard.core.config.BudgetSpec;
import dev.llmguard.core.config.OnExceeded;
import dev.llmguard.core.time.ManualGuardClock;

import static dev.llmguard.core.budget.BudgetTestSupport.costBudget;
import static dev.llmguard.core.budget.BudgetTestSupport.tokenBudget;
import static dev.llmguard.core.budget.BudgetTestSupport.usd;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class InMemoryBudgetLedgerTests {

	private static final ZoneId UTC = ZoneOffset.UTC;

	private final ManualGuardClock clock = new ManualGuardClock(Instant.parse("2026-11-22T10:00:00Z"));

	private final InMemoryBudgetLedger ledger = new InMemoryBudgetLedger(this.clock, UTC);

	private final BudgetSpec daily = costBudget("daily-spend", BudgetScope.GLOBAL, BudgetPeriod.DAY, "1.00");

	private final BudgetSpec tenantDaily = costBudget("tenant-daily", BudgetScope.TENANT, BudgetPeriod.DAY, "0.50");

	private final BudgetSpec sessionTokens = tokenBudget("session-tokens", BudgetScope.SESSION, BudgetPeriod.NONE,
			1_000);

	private final ListAppender<ILoggingEvent> logs = new ListAppender<>();

	private final Logger ledgerLogger = (Logger) LoggerFactory.getLogger(InMemoryBudgetLedger.class);

	@BeforeEach
	void captureLogs() {
		this.logs.start();
		this.ledgerLogger.addAppender(this.logs);
	}

	@AfterEach
	void releaseLogs() {
		this.ledgerLogger.detachAppender(this.logs);
	}

	@Test
	void reservesCommitsAndReleases() {
		ReserveOutcome.Reserved first = reserved(charge(this.daily, "", usd("0.30"), 100));
		assertThat(first.usages()).singleElement()
			.satisfies((usage) -> assertThat(usage.reservedCostNanos()).isEqualTo(usd("0.30")));

		this.ledger.commit(first.reservation(), usd("0.10"), 40);
		assertThat(usageOf(this.daily, "")).satisfies((usage) -> {
			assertThat(usage.spentCostNanos()).isEqualTo(usd("0.10"));
			assertThat(usage.reservedCostNanos()).isZero();
			assertThat(usage.spentTokens()).isEqualTo(40);
			assertThat(usage.reservedTokens()).isZero();
		});

		ReserveOutcome.Reserved second = reserved(charge(this.daily, "", usd("0.50"), 100));
		assertThat(usageOf(this.daily, "").reservedCostNanos()).isEqualTo(usd("0.50"));
		this.ledger.release(second.reservation());
		assertThat(usageOf(this.daily, "")).satisfies((usage) -> {
			assertThat(usage.spentCostNanos()).isEqualTo(usd("0.10"));
			assertThat(usage.reservedCostNanos()).isZero();
			assertThat(usage.reservedTokens()).isZero();
		});
		assertThat(this.ledger.openReservations()).isZero();
	}

	@Test
	void rejectsAChargeThatWouldGoPastTheLimitCountingReservations() {
		reserved(charge(this.daily, "", usd("0.60"), 0));
		// 0.60 reserved + 0.40 is exactly the limit: allowed
		reserved(charge(this.daily, "", usd("0.40"), 0));
		ReserveOutcome outcome = this.ledger.reserve(List.of(charge(this.daily, "", 1, 0)));
		assertThat(outcome).isInstanceOfSatisfying(ReserveOutcome.Exceeded.class, (exceeded) -> {
			assertThat(exceeded.charge().costNanos()).isEqualTo(1);
			assertThat(exceeded.usage().reservedCostNanos()).isEqualTo(usd("1.00"));
		});
	}

	@Test
	void aTokenBudgetIgnoresCostAndACostBudgetIgnoresTokens() {
		BudgetSpec tokensOnly = tokenBudget("tokens", BudgetScope.GLOBAL, BudgetPeriod.DAY, 100);
		BudgetSpec costOnly = costBudget("cost", BudgetScope.GLOBAL, BudgetPeriod.DAY, "0.01");
		assertThat(this.ledger.reserve(List.of(charge(tokensOnly, "", usd("1000"), 100))))
			.isInstanceOf(ReserveOutcome.Reserved.class);
		assertThat(this.ledger.reserve(List.of(charge(tokensOnly, "", 0, 1))))
			.isInstanceOf(ReserveOutcome.Exceeded.class);
		assertThat(this.ledger.reserve(List.of(charge(costOnly, "", usd("0.01"), 1_000_000_000L))))
			.isInstanceOf(ReserveOutcome.Reserved.class);
		assertThat(this.ledger.reserve(List.of(charge(costOnly, "", 1, 0)))).isInstanceOf(ReserveOutcome.Exceeded.class);
	}

	@Test
	void aBudgetWithBothLimitsRejectsWhenEitherIsReached() {
		BudgetSpec both = new BudgetSpec("both", BudgetScope.GLOBAL, BudgetPeriod.DAY, new BigDecimal("1.00"), 100L,
				0.8, OnExceeded.REJECT);
		assertThat(this.ledger.reserve(List.of(charge(both, "", usd("0.01"), 101))))
			.isInstanceOf(ReserveOutcome.Exceeded.class);
		assertThat(this.ledger.reserve(List.of(charge(both, "", usd("1.01"), 1))))
			.isInstanceOf(ReserveOutcome.Exceeded.class);
		assertThat(this.ledger.reserve(List.of(charge(both, "", usd("1.00"), 100))))
			.isInstanceOf(ReserveOutcome.Reserved.class);
	}

	@Test
	void reservesNothingAnywhereWhenOneBudgetCannotAfford() {
		ReserveOutcome.Reserved earlier = reserved(charge(this.sessionTokens, "s-1", 0, 900));
		ReserveOutcome outcome = this.ledger.reserve(List.of(charge(this.daily, "", usd("0.10"), 200),
				charge(this.tenantDaily, "acme", usd("0.10"), 200), charge(this.sessionTokens, "s-1", usd("0.10"), 200)));

		assertThat(outcome).isInstanceOfSatisfying(ReserveOutcome.Exceeded.class,
				(exceeded) -> assertThat(exceeded.charge().budget()).isEqualTo(this.sessionTokens));
		assertThat(usageOf(this.daily, "")).isEqualTo(emptyUsage(this.daily, ""));
		assertThat(usageOf(this.tenantDaily, "acme")).isEqualTo(emptyUsage(this.tenantDaily, "acme"));
		assertThat(this.ledger.usage(this.sessionTokens, "s-1", Instant.EPOCH, null).reservedTokens()).isEqualTo(900);

		this.ledger.release(earlier.reservation());
		assertThat(this.ledger.reserve(List.of(charge(this.daily, "", usd("0.10"), 200),
				charge(this.tenantDaily, "acme", usd("0.10"), 200), charge(this.sessionTokens, "s-1", usd("0.10"), 200))))
			.isInstanceOf(ReserveOutcome.Reserved.class);
		assertThat(usageOf(this.daily, "").reservedCostNanos()).isEqualTo(usd("0.10"));
		assertThat(usageOf(this.tenantDaily, "acme").reservedCostNanos()).isEqualTo(usd("0.10"));
	}

	@Test
	void tenantsAreCountedSeparately() {
		reserved(charge(this.tenantDaily, "acme", usd("0.50"), 0));
		assertThat(this.ledger.reserve(List.of(charge(this.tenantDaily, "acme", 1, 0))))
			.isInstanceOf(ReserveOutcome.Exceeded.class);
		assertThat(this.ledger.reserve(List.of(charge(this.tenantDaily, "globex", usd("0.50"), 0))))
			.isInstanceOf(ReserveOutcome.Reserved.class);
	}

	@Test
	void settlingTwiceHasNoFurtherEffect() {
		ReserveOutcome.Reserved first = reserved(charge(this.daily, "", usd("0.30"), 0));
		ReserveOutcome.Reserved second = reserved(charge(this.daily, "", usd("0.20"), 0));
		this.ledger.commit(first.reservation(), usd("0.25"), 0);
		this.ledger.commit(first.reservation(), usd("0.25"), 0);
		this.ledger.release(first.reservation());

		assertThat(usageOf(this.daily, "").spentCostNanos()).isEqualTo(usd("0.25"));
		// the second call's reservation is still held in full
		assertThat(usageOf(this.daily, "").reservedCostNanos()).isEqualTo(usd("0.20"));
		this.ledger.release(second.reservation());
		this.ledger.release(second.reservation());
		assertThat(usageOf(this.daily, "").reservedCostNanos()).isZero();
	}

	@Test
	void spendingStartsAgainAtTheCalendarBoundary() {
		BudgetWindow today = windowNow(BudgetPeriod.DAY);
		ReserveOutcome.Reserved call = reserved(charge(this.daily, "", usd("1.00"), 0));
		this.ledger.commit(call.reservation(), usd("1.00"), 0);
		assertThat(this.ledger.reserve(List.of(charge(this.daily, "", 1, 0)))).isInstanceOf(ReserveOutcome.Exceeded.class);

		this.clock.set(Instant.parse("2026-11-23T00:00:00Z"));
		assertThat(this.ledger.reserve(List.of(charge(this.daily, "", usd("1.00"), 0))))
			.isInstanceOf(ReserveOutcome.Reserved.class);
		assertThat(this.ledger.usage(this.daily, "", today.start(), today.end()).spentCostNanos()).isZero();
	}

	@Test
	void aChargeComputedJustBeforeTheBoundaryCountsInTheNewPeriod() {
		BudgetCharge lateCharge = charge(this.daily, "", usd("0.40"), 0);
		this.clock.set(Instant.parse("2026-11-23T00:00:00.001Z"));
		ReserveOutcome.Reserved call = reserved(lateCharge);
		assertThat(call.reservation().charges().get(0).periodStart()).isEqualTo(Instant.parse("2026-11-23T00:00:00Z"));
		assertThat(usageOf(this.daily, "").reservedCostNanos()).isEqualTo(usd("0.40"));
	}

	@Test
	void aCommitAfterTheBoundaryFreesTheOldPeriodAndSpendsInTheNewOne() {
		this.clock.set(Instant.parse("2026-11-22T23:59:59Z"));
		BudgetWindow yesterday = windowNow(BudgetPeriod.DAY);
		ReserveOutcome.Reserved call = reserved(charge(this.daily, "", usd("0.40"), 100));

		this.clock.advance(Duration.ofSeconds(2));
		List<BudgetUsage> after = this.ledger.commit(call.reservation(), usd("0.30"), 70);

		assertThat(after).singleElement().satisfies((usage) -> {
			assertThat(usage.periodStart()).isEqualTo(Instant.parse("2026-11-23T00:00:00Z"));
			assertThat(usage.spentCostNanos()).isEqualTo(usd("0.30"));
			assertThat(usage.reservedCostNanos()).isZero();
			assertThat(usage.spentTokens()).isEqualTo(70);
		});
		assertThat(usageOf(this.daily, "").spentCostNanos()).isEqualTo(usd("0.30"));
		assertThat(this.ledger.usage(this.daily, "", yesterday.start(), yesterday.end()).reservedCostNanos()).isZero();
	}

	@Test
	void resetForgetsEveryPeriodOfOneKeyOnly() {
		BudgetSpec hourly = costBudget("hourly", BudgetScope.TENANT, BudgetPeriod.HOUR, "1.00");
		BudgetWindow firstHour = windowNow(BudgetPeriod.HOUR);
		this.ledger.commit(reserved(charge(hourly, "acme", usd("0.50"), 0)).reservation(), usd("0.50"), 0);
		this.clock.advance(Duration.ofHours(1));
		this.ledger.commit(reserved(charge(hourly, "acme", usd("0.70"), 0)).reservation(), usd("0.70"), 0);
		this.ledger.commit(reserved(charge(hourly, "globex", usd("0.20"), 0)).reservation(), usd("0.20"), 0);

		this.ledger.reset(hourly, "acme");

		assertThat(usageOf(hourly, "acme").spentCostNanos()).isZero();
		assertThat(this.ledger.usage(hourly, "acme", firstHour.start(), firstHour.end()).spentCostNanos()).isZero();
		assertThat(usageOf(hourly, "globex").spentCostNanos()).isEqualTo(usd("0.20"));
	}

	@Test
	void aCallInFlightDuringAResetCountsItsSpendingButFreesNothingOfLaterCalls() {
		ReserveOutcome.Reserved before = reserved(charge(this.tenantDaily, "acme", usd("0.30"), 0));
		this.ledger.reset(this.tenantDaily, "acme");
		ReserveOutcome.Reserved after = reserved(charge(this.tenantDaily, "acme", usd("0.20"), 0));

		this.ledger.commit(before.reservation(), usd("0.10"), 0);

		assertThat(usageOf(this.tenantDaily, "acme")).satisfies((usage) -> {
			assertThat(usage.spentCostNanos()).isEqualTo(usd("0.10"));
			assertThat(usage.reservedCostNanos()).isEqualTo(usd("0.20"));
		});
		this.ledger.release(after.reservation());
		assertThat(usageOf(this.tenantDaily, "acme").reservedCostNanos()).isZero();
	}

	@Test
	void entriesOfPastPeriodsExpire() {
		BudgetSpec hourly = costBudget("hourly", BudgetScope.TENANT, BudgetPeriod.HOUR, "1.00");
		for (int i = 0; i < 100; i++) {
			this.ledger.commit(reserved(charge(hourly, "tenant-" + i, usd("0.01"), 0)).reservation(), usd("0.01"), 0);
		}
		this.ledger.commit(reserved(charge(this.daily, "", usd("0.01"), 0)).reservation(), usd("0.01"), 0);
		this.ledger.cleanUp();
		assertThat(this.ledger.estimatedSize()).isEqualTo(101);

		this.clock.advance(Duration.ofHours(1));
		this.ledger.cleanUp();
		assertThat(this.ledger.estimatedSize()).isEqualTo(1);
		assertThat(this.ledger.usages("daily-spend")).hasSize(1);

		this.clock.advance(Duration.ofDays(1));
		this.ledger.cleanUp();
		assertThat(this.ledger.estimatedSize()).isZero();
	}

	@Test
	void memoryStaysBoundedWithManyMoreTenantsThanKeys() {
		InMemoryBudgetLedger bounded = new InMemoryBudgetLedger(this.clock, UTC, 10_000);
		for (int i = 0; i < 200_000; i++) {
			ReserveOutcome.Reserved call = (ReserveOutcome.Reserved) bounded
				.reserve(List.of(charge(this.tenantDaily, "tenant-" + i, usd("0.001"), 10)));
			bounded.commit(call.reservation(), usd("0.001"), 10);
		}
		bounded.cleanUp();
		assertThat(bounded.estimatedSize()).isLessThanOrEqualTo(10_000);
		assertThat(bounded.openReservations()).isZero();
		assertThat(this.logs.list).filteredOn((event) -> event.getLevel() == Level.WARN)
			.singleElement()
			.satisfies((event) -> assertThat(event.getFormattedMessage()).contains("10000")
				.contains("llm.guard.backend=redis")
				.doesNotContain("tenant-"));
	}

	@Test
	void sizePressureNeverEvictsReservationsOrGlobalBudgets() {
		InMemoryBudgetLedger bounded = new InMemoryBudgetLedger(this.clock, UTC, 10);
		List<ReserveOutcome.Reserved> inFlight = new ArrayList<>();
		for (int i = 0; i < 20; i++) {
			inFlight.add((ReserveOutcome.Reserved) bounded.reserve(
					List.of(charge(this.daily, "", usd("0.01"), 0), charge(this.tenantDaily, "held-" + i, usd("0.40"), 0))));
		}
		for (int i = 0; i < 5_000; i++) {
			ReserveOutcome.Reserved call = (ReserveOutcome.Reserved) bounded
				.reserve(List.of(charge(this.tenantDaily, "passing-" + i, usd("0.001"), 0)));
			bounded.commit(call.reservation(), usd("0.001"), 0);
		}
		bounded.cleanUp();

		BudgetWindow today = windowNow(BudgetPeriod.DAY);
		for (int i = 0; i < 20; i++) {
			BudgetUsage held = bounded.usage(this.tenantDaily, "held-" + i, today.start(), today.end());
			assertThat(held.reservedCostNanos()).isEqualTo(usd("0.40"));
			// the reservation still counts: this tenant cannot overspend
			assertThat(bounded.reserve(List.of(charge(this.tenantDaily, "held-" + i, usd("0.11"), 0))))
				.isInstanceOf(ReserveOutcome.Exceeded.class);
		}
		assertThat(bounded.usage(this.daily, "", today.start(), today.end()).reservedCostNanos())
			.isEqualTo(usd("0.20"));
		inFlight.forEach((call) -> bounded.commit(call.reservation(), usd("0.01"), 0));
		assertThat(bounded.usage(this.daily, "", today.start(), today.end())).satisfies((usage) -> {
			assertThat(usage.reservedCostNanos()).isZero();
			assertThat(usage.spentCostNanos()).isEqualTo(usd("0.20"));
		});
	}

	@Test
	void underSizePressureTheLeastRecentlyUsedIdleEntryGoesFirst() {
		InMemoryBudgetLedger bounded = new InMemoryBudgetLedger(this.clock, UTC, 3);
		for (String tenant : List.of("a", "b", "c")) {
			spend(bounded, tenant, "0.10");
		}
		spend(bounded, "a", "0.10"); // a is used again: b is now the least recently used

		spend(bounded, "d", "0.10");

		BudgetWindow today = windowNow(BudgetPeriod.DAY);
		assertThat(bounded.estimatedSize()).isEqualTo(3);
		assertThat(bounded.usage(this.tenantDaily, "a", today.start(), today.end()).spentCostNanos())
			.isEqualTo(usd("0.20"));
		assertThat(bounded.usage(this.tenantDaily, "b", today.start(), today.end()).spentCostNanos()).isZero();
		assertThat(bounded.usage(this.tenantDaily, "c", today.start(), today.end()).spentCostNanos())
			.isEqualTo(usd("0.10"));
	}

	@Test
	void aCallChargingOneEntryTwiceMustFitWithBothCharges() {
		ReserveOutcome outcome = this.ledger.reserve(List.of(charge(this.tenantDaily, "acme", usd("0.30"), 0),
				charge(this.tenantDaily, "acme", usd("0.30"), 0)));

		assertThat(outcome).isInstanceOf(ReserveOutcome.Exceeded.class);
		assertThat(usageOf(this.tenantDaily, "acme")).isEqualTo(emptyUsage(this.tenantDaily, "acme"));

		ReserveOutcome.Reserved both = (ReserveOutcome.Reserved) this.ledger.reserve(List.of(
				charge(this.tenantDaily, "acme", usd("0.20"), 0), charge(this.tenantDaily, "acme", usd("0.20"), 0)));
		assertThat(usageOf(this.tenantDaily, "acme").reservedCostNanos()).isEqualTo(usd("0.40"));
		this.ledger.release(both.reservation());
		assertThat(usageOf(this.tenantDaily, "acme").reservedCostNanos()).isZero();
	}

	@Test
	void anEndedPeriodIsNotReportedBeforeItsEntriesAreRemoved() {
		BudgetSpec hourly = costBudget("hourly", BudgetScope.GLOBAL, BudgetPeriod.HOUR, "1.00");
		this.ledger.commit(reserved(charge(hourly, "", usd("0.25"), 0)).reservation(), usd("0.25"), 0);
		BudgetWindow thisHour = windowNow(BudgetPeriod.HOUR);

		this.clock.advance(Duration.ofHours(1));

		assertThat(this.ledger.usages("hourly")).isEmpty();
		assertThat(this.ledger.usage(hourly, "", thisHour.start(), thisHour.end()).spentCostNanos()).isZero();
	}

	private void spend(InMemoryBudgetLedger ledger, String tenant, String usd) {
		ReserveOutcome.Reserved call = (ReserveOutcome.Reserved) ledger
			.reserve(List.of(charge(this.tenantDaily, tenant, usd(usd), 0)));
		ledger.commit(call.reservation(), usd(usd), 0);
	}

	@Test
	void anEmptyReservationReservesNothing() {
		ReserveOutcome outcome = this.ledger.reserve(List.of());
		assertThat(outcome).isInstanceOfSatisfying(ReserveOutcome.Reserved.class, (reserved) -> {
			assertThat(reserved.reservation().isEmpty()).isTrue();
			assertThat(reserved.usages()).isEmpty();
		});
		assertThat(this.ledger.commit(((ReserveOutcome.Reserved) outcome).reservation(), 10, 10)).isEmpty();
		assertThat(this.ledger.openReservations()).isZero();
	}

	@Test
	void rejectsNegativeAmounts() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> this.ledger.reserve(List.of(charge(this.daily, "", -1, 0))));
		ReserveOutcome.Reserved call = reserved(charge(this.daily, "", 1, 0));
		assertThatIllegalArgumentException().isThrownBy(() -> this.ledger.commit(call.reservation(), 0, -1));
		assertThat(this.ledger.backend()).isEqualTo("memory");
	}

	private ReserveOutcome.Reserved reserved(BudgetCharge charge) {
		ReserveOutcome outcome = this.ledger.reserve(List.of(charge));
		assertThat(outcome).isInstanceOf(ReserveOutcome.Reserved.class);
		return (ReserveOutcome.Reserved) outcome;
	}

	private BudgetCharge charge(BudgetSpec budget, String key, long costNanos, long tokens) {
		BudgetWindow window = windowNow(budget.period());
		return new BudgetCharge(budget, key, window.start(), window.end(), costNanos, tokens);
	}

	private BudgetUsage usageOf(BudgetSpec budget, String key) {
		BudgetWindow window = windowNow(budget.period());
		return this.ledger.usage(budget, key, window.start(), window.end());
	}

	private BudgetUsage emptyUsage(BudgetSpec budget, String key) {
		BudgetWindow window = windowNow(budget.period());
		return BudgetUsage.empty(budget.name(), key, window.start(), window.end());
	}

	private BudgetWindow windowNow(BudgetPeriod period) {
		return BudgetPeriods.windowOf(period, this.clock.instant(), UTC);
	}

}

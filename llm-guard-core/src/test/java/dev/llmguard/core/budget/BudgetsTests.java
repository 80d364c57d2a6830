package dev.llmguard.core.budget;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import dev.llmguard.core.BudgetExceededException;
import dev.llmguard.core.config.BudgetPeriod;
import dev.llmguard.core.config.BudgetScope;
import dev.llmguard.core.config.BudgetSpec;
import dev.llmguard.core.config.GuardSettings;
import dev.llmguard.core.config.OnExceeded;
import dev.llmguard.core.event.GuardEvent;
import dev.llmguard.core.time.ManualGuardClock;

import static dev.llmguard.core.budget.BudgetTestSupport.costBudget;
import static dev.llmguard.core.budget.BudgetTestSupport.tokenBudget;
import static dev.llmguard.core.budget.BudgetTestSupport.usd;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class BudgetsTests {

	private static final ZoneId UTC = ZoneId.of("UTC");

	private final ManualGuardClock clock = new ManualGuardClock(Instant.parse("2026-11-22T10:00:00Z"));

	private final List<GuardEvent> events = new CopyOnWriteArrayList<>();

	private final ListAppender<ILoggingEvent> logs = new ListAppender<>();

	private final Logger budgetsLogger = (Logger) LoggerFactory.getLogger(Budgets.class);

	@BeforeEach
	void captureLogs() {
		this.logs.start();
		this.budgetsLogger.addAppender(this.logs);
	}

	@AfterEach
	void releaseLogs() {
		this.budgetsLogger.detachAppender(this.logs);
	}

	@Test
	void chargesEveryBudgetThatAppliesToTheCall() {
		Budgets budgets = budgets(UTC, costBudget("global-daily", BudgetScope.GLOBAL, BudgetPeriod.DAY, "50"),
				costBudget("tenant-monthly", BudgetScope.TENANT, BudgetPeriod.MONTH, "5"),
				tokenBudget("session-tokens", BudgetScope.SESSION, BudgetPeriod.NONE, 10_000));

		assertThat(budgets.chargesFor(null, null, 10, 20)).extracting((charge) -> charge.budget().name())
			.containsExactly("global-daily");
		assertThat(budgets.chargesFor("acme", null, 10, 20)).extracting((charge) -> charge.budget().name())
			.containsExactly("global-daily", "tenant-monthly");
		assertThat(budgets.chargesFor(null, "s-1", 10, 20)).extracting((charge) -> charge.budget().name())
			.containsExactly("global-daily", "session-tokens");

		List<BudgetCharge> charges = budgets.chargesFor("acme", "s-1", 10, 20);
		assertThat(charges).extracting(BudgetCharge::key).containsExactly("", "acme", "s-1");
		assertThat(charges).allSatisfy((charge) -> {
			assertThat(charge.costNanos()).isEqualTo(10);
			assertThat(charge.tokens()).isEqualTo(20);
		});
		assertThat(charges.get(0).periodStart()).isEqualTo(Instant.parse("2026-11-22T00:00:00Z"));
		assertThat(charges.get(0).resetsAt()).isEqualTo(Instant.parse("2026-11-23T00:00:00Z"));
		assertThat(charges.get(1).periodStart()).isEqualTo(Instant.parse("2026-11-01T00:00:00Z"));
		assertThat(charges.get(2).periodStart()).isEqualTo(Instant.EPOCH);
		assertThat(charges.get(2).resetsAt()).isNull();
	}

	@Test
	void chargesNothingWithoutBudgets() {
		Budgets budgets = budgets(UTC);
		List<BudgetCharge> charges = budgets.chargesFor("acme", "s-1", 10, 20);
		assertThat(charges).isEmpty();
		assertThat(budgets.reserve(charges)).isInstanceOf(ReserveOutcome.Reserved.class);
	}

	@Test
	void periodsFollowTheConfiguredZone() {
		ZoneId berlin = ZoneId.of("Europe/Berlin");
		BudgetSpec daily = costBudget("daily", BudgetScope.TENANT, BudgetPeriod.DAY, "1.00");
		Budgets budgets = budgets(berlin, daily);
		this.clock.set(Instant.parse("2026-11-22T22:30:00Z"));

		settle(budgets, budgets.chargesFor("acme", null, usd("1.00"), 0));
		assertThat(budgets.reserve(budgets.chargesFor("acme", null, 1, 0))).isInstanceOf(ReserveOutcome.Exceeded.class);

		// 22:59:59Z is still 23:59:59 on the 22nd in Berlin
		this.clock.set(Instant.parse("2026-11-22T22:59:59Z"));
		assertThat(budgets.reserve(budgets.chargesFor("acme", null, 1, 0))).isInstanceOf(ReserveOutcome.Exceeded.class);

		// local midnight in Berlin, an hour before midnight UTC
		this.clock.set(Instant.parse("2026-11-22T23:00:00Z"));
		assertThat(budgets.usage("daily", "acme").spentCostNanos()).isZero();
		assertThat(budgets.reserve(budgets.chargesFor("acme", null, usd("1.00"), 0)))
			.isInstanceOf(ReserveOutcome.Reserved.class);
	}

	@Test
	void rejectsWithTheNumbersOfATenantCostBudget() {
		BudgetSpec daily = costBudget("daily-spend", BudgetScope.TENANT, BudgetPeriod.DAY, "5.00");
		Budgets budgets = budgets(UTC, daily);
		settle(budgets, budgets.chargesFor("acme", null, usd("4.9"), 0));
		ReserveOutcome.Exceeded exceeded = exceeded(budgets, budgets.chargesFor("acme", null, usd("0.1003"), 0));

		BudgetExceededException exception = BudgetExceededException.of(exceeded, budgets.zone());

		assertThat(exception).hasMessage(
				"Budget 'daily-spend' for tenant 'acme' would reach $5.0003 of $5.00; resets at 2026-11-23T00:00Z");
		assertThat(exception.getBudget()).isEqualTo("daily-spend");
		assertThat(exception.getKey()).isEqualTo("acme");
		assertThat(exception.getSpent()).isEqualByComparingTo("4.9");
		assertThat(exception.getLimit()).isEqualByComparingTo("5.00");
		assertThat(exception.getUnit()).isEqualTo("USD");
		assertThat(exception.getResetsAt()).isEqualTo(Instant.parse("2026-11-23T00:00:00Z"));
		assertThat(exception.code()).isEqualTo("budget_exceeded");
		assertThat(budgets.anyDowngrade(exceeded)).isFalse();
	}

	@Test
	void aGlobalBudgetNamesNoTenantAndTellsTheLocalResetTime() {
		BudgetSpec daily = costBudget("daily-spend", BudgetScope.GLOBAL, BudgetPeriod.DAY, "50");
		Budgets budgets = budgets(ZoneId.of("Europe/Berlin"), daily);
		ReserveOutcome.Exceeded exceeded = exceeded(budgets, budgets.chargesFor("acme", "s-1", usd("50.01"), 0));

		BudgetExceededException exception = BudgetExceededException.of(exceeded, budgets.zone());

		assertThat(exception)
			.hasMessage("Budget 'daily-spend' would reach $50.01 of $50.00; resets at 2026-11-23T00:00+01:00");
		assertThat(exception.getKey()).isEmpty();
		assertThat(exception.getSpent()).isEqualByComparingTo("0");
		assertThat(exception.getResetsAt()).isEqualTo(Instant.parse("2026-11-22T23:00:00Z"));
	}

	@Test
	void aTokenBudgetRejectsInTokens() {
		BudgetSpec tokens = new BudgetSpec("session-tokens", BudgetScope.SESSION, BudgetPeriod.NONE, null, 10_000L,
				0.9, OnExceeded.DOWNGRADE);
		Budgets budgets = budgets(UTC, tokens);
		settle(budgets, budgets.chargesFor(null, "s-1", 0, 9_500));
		ReserveOutcome.Exceeded exceeded = exceeded(budgets, budgets.chargesFor(null, "s-1", usd("1"), 1_000));

		BudgetExceededException exception = BudgetExceededException.of(exceeded, budgets.zone());

		assertThat(exception).hasMessage(
				"Budget 'session-tokens' for session 's-1' would reach 10500 tokens of 10000; it never resets (period none)");
		assertThat(exception.getUnit()).isEqualTo("tokens");
		assertThat(exception.getSpent()).isEqualByComparingTo("9500");
		assertThat(exception.getLimit()).isEqualByComparingTo("10000");
		assertThat(exception.getResetsAt()).isNull();
		assertThat(budgets.anyDowngrade(exceeded)).isTrue();
	}

	@Test
	void aBudgetWithBothLimitsReportsTheOneThatWasExceeded() {
		BudgetSpec both = new BudgetSpec("both", BudgetScope.GLOBAL, BudgetPeriod.DAY, new BigDecimal("1.00"), 100L,
				0.8, OnExceeded.REJECT);
		Budgets budgets = budgets(UTC, both);
		assertThat(BudgetExceededException.of(exceeded(budgets, budgets.chargesFor(null, null, usd("0.5"), 101)), budgets.zone())
			.getUnit())
			.isEqualTo("tokens");
		assertThat(BudgetExceededException.of(exceeded(budgets, budgets.chargesFor(null, null, usd("1.5"), 10)), budgets.zone())
			.getUnit())
			.isEqualTo("USD");
	}

	@Test
	void warnAtCountsCommittedSpendAndTellsTheReservationsBesideIt() {
		// a third of the cap spent, and a worst case reserved that would take spent plus reserved past 80 %
		BudgetSpec tenant = costBudget("tenant-cap", BudgetScope.TENANT, BudgetPeriod.DAY, "0.015");
		Budgets budgets = budgets(UTC, tenant);
		settle(budgets, budgets.chargesFor("acme", null, usd("0.00504"), 0));
		ReserveOutcome.Reserved worstCase = (ReserveOutcome.Reserved) budgets
			.reserve(budgets.chargesFor("acme", null, usd("0.0073"), 0));
		assertThat(this.events).isEmpty();
		assertThat(warnings()).isEmpty();
		budgets.release(worstCase.reservation());

		// spend reaching 80 % warns, and says what calls in flight still hold reserved
		ReserveOutcome.Reserved inFlight = (ReserveOutcome.Reserved) budgets
			.reserve(budgets.chargesFor("acme", null, usd("0.002"), 0));
		ReserveOutcome.Reserved next = (ReserveOutcome.Reserved) budgets
			.reserve(budgets.chargesFor("acme", null, usd("0.007"), 0));
		assertThat(this.events).isEmpty();
		budgets.commit(next.reservation(), usd("0.007"), 0);
		assertThat(this.events).singleElement()
			.isInstanceOfSatisfying(GuardEvent.BudgetWarning.class,
					(warning) -> assertThat(warning.usedShare()).isEqualTo(0.802667));
		assertThat(warnings()).singleElement()
			.satisfies((line) -> assertThat(line).contains("has spent 80.3% of its limit (warn-at 80.0%; 13.3% more "
					+ "reserved by calls in flight)"));
		budgets.release(inFlight.reservation());
	}

	@Test
	void warnsOncePerBudgetKeyAndPeriodAndAgainInTheNextPeriod() {
		BudgetSpec daily = costBudget("tenant-daily", BudgetScope.TENANT, BudgetPeriod.DAY, "1.00");
		Budgets budgets = budgets(UTC, daily);

		settle(budgets, budgets.chargesFor("acme", null, usd("0.79"), 0));
		assertThat(this.events).isEmpty();
		// a reservation that would take it to 80 % warns of nothing: reservations mostly come back
		ReserveOutcome.Reserved call = (ReserveOutcome.Reserved) budgets
			.reserve(budgets.chargesFor("acme", null, usd("0.01"), 0));
		assertThat(this.events).isEmpty();
		// spending it does
		budgets.commit(call.reservation(), usd("0.01"), 0);
		assertThat(this.events).hasSize(1);
		settle(budgets, budgets.chargesFor("acme", null, usd("0.1"), 0));
		assertThat(this.events).singleElement().isInstanceOfSatisfying(GuardEvent.BudgetWarning.class, (warning) -> {
			assertThat(warning.budget()).isEqualTo("tenant-daily");
			assertThat(warning.key()).isEqualTo("acme");
			assertThat(warning.usedShare()).isEqualTo(0.8);
			assertThat(warning.periodStart()).isEqualTo(Instant.parse("2026-11-22T00:00:00Z"));
			assertThat(warning.time()).isEqualTo(this.clock.instant());
		});
		assertThat(warnings()).singleElement()
			.satisfies((line) -> assertThat(line).isEqualTo("llm-guard budget 'tenant-daily' (tenant #"
					+ Budgets.shortHash("acme")
					+ ") has spent 80.0% of its limit (warn-at 80.0%; 0.0% more reserved by calls in flight) in the period 2026-11-22T00:00:00Z .. 2026-11-23T00:00:00Z")
				.doesNotContain("acme"));

		// another tenant warns for itself
		settle(budgets, budgets.chargesFor("globex", null, usd("0.9"), 0));
		assertThat(this.events).hasSize(2);

		this.clock.set(Instant.parse("2026-11-23T08:00:00Z"));
		settle(budgets, budgets.chargesFor("acme", null, usd("0.5"), 0));
		assertThat(this.events).hasSize(2);
		settle(budgets, budgets.chargesFor("acme", null, usd("0.4"), 0));
		assertThat(this.events).hasSize(3);
		assertThat(((GuardEvent.BudgetWarning) this.events.get(2)).periodStart())
			.isEqualTo(Instant.parse("2026-11-23T00:00:00Z"));
		assertThat(warnings()).hasSize(3);
	}

	@Test
	void aCommitThatOverrunsItsReservationWarns() {
		BudgetSpec daily = costBudget("daily", BudgetScope.GLOBAL, BudgetPeriod.DAY, "1.00");
		Budgets budgets = budgets(UTC, daily);
		ReserveOutcome.Reserved call = (ReserveOutcome.Reserved) budgets
			.reserve(budgets.chargesFor(null, null, usd("0.1"), 0));
		assertThat(this.events).isEmpty();
		budgets.commit(call.reservation(), usd("0.95"), 0);
		assertThat(this.events).singleElement()
			.isInstanceOfSatisfying(GuardEvent.BudgetWarning.class,
					(warning) -> assertThat(warning.key()).isEmpty());
		assertThat(warnings()).singleElement().satisfies((line) -> assertThat(line).contains("(global budget)"));
	}

	@Test
	void aTokenBudgetWarnsOnItsTokenShare() {
		Budgets budgets = budgets(UTC, tokenBudget("tokens", BudgetScope.SESSION, BudgetPeriod.HOUR, 1_000));
		settle(budgets, budgets.chargesFor(null, "s-1", usd("100"), 799));
		assertThat(this.events).isEmpty();
		settle(budgets, budgets.chargesFor(null, "s-1", 0, 1));
		assertThat(this.events).hasSize(1);
	}

	@Test
	void aWarnAtBetweenWholeTokensWarnsAtTheFirstWholeTokenPastIt() {
		// 10 tokens x warn-at 0.85 = 8.5: 8 tokens are below it, 9 past it
		Budgets budgets = budgets(UTC, new BudgetSpec("tokens", BudgetScope.SESSION, BudgetPeriod.HOUR, null, 10L,
				0.85, OnExceeded.REJECT));
		settle(budgets, budgets.chargesFor(null, "s-1", 0, 8));
		assertThat(this.events).isEmpty();
		settle(budgets, budgets.chargesFor(null, "s-1", 0, 1));
		assertThat(this.events).hasSize(1);
	}

	@Test
	void manyThreadsCrossingWarnAtTogetherWarnOnce() throws Exception {
		Budgets budgets = budgets(UTC, costBudget("daily", BudgetScope.GLOBAL, BudgetPeriod.DAY, "1000"));
		ConcurrentCalls.run(64, 100, (thread, call) -> settle(budgets, budgets.chargesFor(null, null, usd("0.15"), 0)));
		assertThat(this.events).hasSize(1);
		assertThat(warnings()).hasSize(1);
	}

	@Test
	void showsUsageAndResetsOneKey() {
		Budgets budgets = budgets(UTC, costBudget("tenant-daily", BudgetScope.TENANT, BudgetPeriod.DAY, "1.00"),
				costBudget("daily", BudgetScope.GLOBAL, BudgetPeriod.DAY, "10.00"));
		settle(budgets, budgets.chargesFor("acme", null, usd("0.9"), 10));
		settle(budgets, budgets.chargesFor("globex", null, usd("0.2"), 10));
		assertThat(this.events).hasSize(1);

		assertThat(budgets.usage("tenant-daily", "acme")).satisfies((usage) -> {
			assertThat(usage.budget()).isEqualTo("tenant-daily");
			assertThat(usage.key()).isEqualTo("acme");
			assertThat(usage.spentCostNanos()).isEqualTo(usd("0.9"));
			assertThat(usage.spentTokens()).isEqualTo(10);
			assertThat(usage.resetsAt()).isEqualTo(Instant.parse("2026-11-23T00:00:00Z"));
		});
		assertThat(budgets.usage("daily", "ignored").spentCostNanos()).isEqualTo(usd("1.1"));

		budgets.reset("tenant-daily", "acme");
		assertThat(budgets.usage("tenant-daily", "acme").spentCostNanos()).isZero();
		assertThat(budgets.usage("tenant-daily", "globex").spentCostNanos()).isEqualTo(usd("0.2"));
		// after a reset the tenant may warn again in the same period
		settle(budgets, budgets.chargesFor("acme", null, usd("0.9"), 10));
		assertThat(this.events).hasSize(2);
	}

	@Test
	void unknownBudgetNamesAreRejectedWithTheConfiguredNames() {
		Budgets budgets = budgets(UTC, costBudget("daily", BudgetScope.GLOBAL, BudgetPeriod.DAY, "1.00"));
		assertThatIllegalArgumentException().isThrownBy(() -> budgets.usage("nightly", "acme"))
			.withMessage("No budget named 'nightly'; configured budgets: [daily]");
		assertThatIllegalArgumentException().isThrownBy(() -> budgets.reset("nightly", "acme"));
		assertThat(budgets.budget("daily")).isPresent();
		assertThat(budgets.budget("nightly")).isEmpty();
	}

	@Test
	void reportsGlobalBudgetsWithTheirShareAndWarnState() {
		Budgets budgets = budgets(UTC, costBudget("daily", BudgetScope.GLOBAL, BudgetPeriod.DAY, "10.00"),
				tokenBudget("tokens", BudgetScope.GLOBAL, BudgetPeriod.MONTH, 1_000),
				costBudget("tenant-daily", BudgetScope.TENANT, BudgetPeriod.DAY, "1.00"));
		settle(budgets, budgets.chargesFor("acme", null, usd("0.5"), 850));
		budgets.reserve(budgets.chargesFor(null, null, usd("0.25"), 0));

		assertThat(budgets.globalStatuses()).satisfiesExactly((daily) -> {
			assertThat(daily.budget().name()).isEqualTo("daily");
			// spent only: the reservation is shown beside it
			assertThat(daily.usedShare()).isEqualTo(0.05);
			assertThat(daily.pastWarnAt()).isFalse();
			assertThat(daily.usage().reservedCostNanos()).isEqualTo(usd("0.25"));
		}, (tokens) -> {
			assertThat(tokens.budget().name()).isEqualTo("tokens");
			assertThat(tokens.usedShare()).isEqualTo(0.85);
			assertThat(tokens.pastWarnAt()).isTrue();
			assertThat(tokens.usage().resetsAt()).isEqualTo(Instant.parse("2026-12-01T00:00:00Z"));
		});
		assertThat(budgets.backend()).isEqualTo("memory");
	}

	@Test
	void releasedCallsFreeTheirReservation() {
		Budgets budgets = budgets(UTC, costBudget("daily", BudgetScope.GLOBAL, BudgetPeriod.DAY, "1.00"));
		ReserveOutcome.Reserved call = (ReserveOutcome.Reserved) budgets
			.reserve(budgets.chargesFor(null, null, usd("1.00"), 0));
		budgets.release(call.reservation());
		assertThat(budgets.usage("daily", "")).isEqualTo(BudgetUsage.empty("daily", "",
				Instant.parse("2026-11-22T00:00:00Z"), Instant.parse("2026-11-23T00:00:00Z")));
		this.clock.advance(Duration.ofMinutes(1));
		assertThat(budgets.reserve(budgets.chargesFor(null, null, usd("1.00"), 0)))
			.isInstanceOf(ReserveOutcome.Reserved.class);
	}

	private Budgets budgets(ZoneId zone, BudgetSpec... specs) {
		GuardSettings.Builder settings = GuardSettings.builder().zone(zone);
		for (BudgetSpec spec : specs) {
			settings.budget(spec);
		}
		return new Budgets(settings.build(), new InMemoryBudgetLedger(this.clock, zone), this.clock, this.events::add);
	}

	private static void settle(Budgets budgets, List<BudgetCharge> charges) {
		ReserveOutcome outcome = budgets.reserve(charges);
		assertThat(outcome).isInstanceOf(ReserveOutcome.Reserved.class);
		BudgetCharge first = charges.get(0);
		budgets.commit(((ReserveOutcome.Reserved) outcome).reservation(), first.costNanos(), first.tokens());
	}

	private static ReserveOutcome.Exceeded exceeded(Budgets budgets, List<BudgetCharge> charges) {
		ReserveOutcome outcome = budgets.reserve(charges);
		assertThat(outcome).isInstanceOf(ReserveOutcome.Exceeded.class);
		return (ReserveOutcome.Exceeded) outcome;
	}

	private List<String> warnings() {
		return this.logs.list.stream()
			.filter((event) -> event.getLevel() == Level.WARN)
			.map(ILoggingEvent::getFormattedMessage)
			.toList();
	}

}

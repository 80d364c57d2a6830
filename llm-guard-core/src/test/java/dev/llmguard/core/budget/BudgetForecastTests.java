package dev.llmguard.core.budget;

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

import dev.llmguard.core.config.BudgetPeriod;
import dev.llmguard.core.config.BudgetScope;
import dev.llmguard.core.config.BudgetSpec;
import dev.llmguard.core.config.GuardSettings;
import dev.llmguard.core.event.GuardEvent;
import dev.llmguard.core.time.ManualGuardClock;

import static dev.llmguard.core.budget.BudgetTestSupport.costBudget;
import static dev.llmguard.core.budget.BudgetTestSupport.tokenBudget;
import static dev.llmguard.core.budget.BudgetTestSupport.usd;
import static org.assertj.core.api.Assertions.assertThat;

/** Burn-rate forecasts on the manual clock: a steady, a rising and a stopped spend. */
class BudgetForecastTests {

	private static final ZoneId UTC = ZoneId.of("UTC");

	private static final Instant MIDNIGHT = Instant.parse("2026-11-23T00:00:00Z");

	private final ManualGuardClock clock = new ManualGuardClock(Instant.parse("2026-11-22T10:00:00Z"));

	private final List<GuardEvent> events = new CopyOnWriteArrayList<>();

	private final ListAppender<ILoggingEvent> logs = new ListAppender<>();

	private final Logger budgetsLogger = (Logger) LoggerFactory.getLogger(Budgets.class);

	private final BudgetSpec daily = costBudget("daily-spend", BudgetScope.GLOBAL, BudgetPeriod.DAY, "100");

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
	void aSteadySpendThatLastsTheDayProjectsItsTotalAndRaisesNothing() {
		Budgets budgets = budgets(this.daily);
		// 10 cents a minute from 10:00 to 11:00: $6 an hour
		for (int minute = 1; minute <= 60; minute++) {
			this.clock.advance(Duration.ofMinutes(1));
			spend(budgets, usd("0.10"));
		}

		BudgetForecast forecast = budgets.forecast("daily-spend", null);

		assertThat(forecast.window()).isEqualTo(Budgets.FORECAST_WINDOW);
		assertThat(forecast.costNanosPerHour()).isEqualTo(usd("6"));
		assertThat(forecast.spentCostNanos()).isEqualTo(usd("6"));
		// 13 hours left at $6: $78 more
		assertThat(forecast.projectedCostNanos()).isEqualTo(usd("84"));
		assertThat(forecast.exhaustsAt()).isNull();
		assertThat(forecast.runsOutBeforeReset()).isFalse();
		assertThat(forecast.resetsAt()).isEqualTo(MIDNIGHT);
		assertThat(this.events).noneMatch(GuardEvent.BudgetForecast.class::isInstance);
	}

	@Test
	void aSteadySpendThatRunsOutBeforeMidnightIsForecastAndWarnedOncePerPeriod() {
		Budgets budgets = budgets(this.daily);
		// 20 cents a minute: $12 an hour; at 11:00 $12 is spent, $88 is left: 7 h 20 min
		for (int minute = 1; minute <= 60; minute++) {
			this.clock.advance(Duration.ofMinutes(1));
			spend(budgets, usd("0.20"));
		}

		BudgetForecast forecast = budgets.forecast("daily-spend", null);

		assertThat(forecast.costNanosPerHour()).isEqualTo(usd("12"));
		assertThat(forecast.projectedCostNanos()).isEqualTo(usd("168"));
		assertThat(forecast.exhaustsAt()).isEqualTo(Instant.parse("2026-11-22T18:20:00Z"));
		assertThat(forecast.runsOutBeforeReset()).isTrue();

		List<GuardEvent.BudgetForecast> raised = forecastEvents();
		assertThat(raised).hasSize(1);
		GuardEvent.BudgetForecast event = raised.get(0);
		assertThat(event.type()).isEqualTo("budget-forecast");
		assertThat(event.budget()).isEqualTo("daily-spend");
		assertThat(event.key()).isEmpty();
		assertThat(event.resetsAt()).isEqualTo(MIDNIGHT);
		assertThat(event.periodStart()).isEqualTo(Instant.parse("2026-11-22T00:00:00Z"));
		// raised as soon as five minutes of spend said so (from the period's start, the history before 10:00 is empty)
		assertThat(event.time()).isBefore(Instant.parse("2026-11-22T11:00:00Z"));
		assertThat(warnings()).singleElement()
			.satisfies((line) -> assertThat(line).contains("'daily-spend' runs out at ")
				.contains("at the rate of the last"));

		// the same spend the next hour raises nothing more in this period
		for (int minute = 1; minute <= 60; minute++) {
			this.clock.advance(Duration.ofMinutes(1));
			spend(budgets, usd("0.20"));
		}
		budgets.forecast("daily-spend", null);
		assertThat(forecastEvents()).hasSize(1);
		assertThat(warnings()).hasSize(1);

		// the next day is another period: it warns again once its spend says so
		this.clock.set(MIDNIGHT);
		for (int minute = 1; minute <= 30; minute++) {
			this.clock.advance(Duration.ofMinutes(1));
			spend(budgets, usd("0.20"));
		}
		assertThat(forecastEvents()).hasSize(2);
		assertThat(forecastEvents().get(1).periodStart()).isEqualTo(MIDNIGHT);
	}

	@Test
	void aRisingSpendIsForecastFromTheLastHalfHourNotFromTheAverage() {
		Budgets budgets = budgets(this.daily);
		// minute n costs n cents: $18.30 by 11:00, of which $13.65 in the last 30 minutes
		for (int minute = 1; minute <= 60; minute++) {
			this.clock.advance(Duration.ofMinutes(1));
			spend(budgets, usd("0.01") * minute);
		}

		BudgetForecast forecast = budgets.forecast("daily-spend", null);

		assertThat(forecast.spentCostNanos()).isEqualTo(usd("18.30"));
		assertThat(forecast.costNanosPerHour()).isEqualTo(usd("27.30"));
		// $81.70 left at $27.30 an hour: 2 h 59 min 33.6 s
		assertThat(forecast.exhaustsAt()).isEqualTo(Instant.parse("2026-11-22T13:59:33.626373627Z"));
		assertThat(forecast.projectedCostNanos()).isEqualTo(usd("18.30") + usd("27.30") * 13);
		assertThat(forecastEvents()).singleElement()
			.satisfies((event) -> assertThat(event.exhaustsAt()).isBefore(MIDNIGHT));
	}

	@Test
	void aStoppedSpendProjectsNoMoreAndNeverRunsOut() {
		Budgets budgets = budgets(this.daily);
		for (int minute = 1; minute <= 60; minute++) {
			this.clock.advance(Duration.ofMinutes(1));
			spend(budgets, usd("0.10"));
		}
		// nothing is spent for 45 minutes
		this.clock.advance(Duration.ofMinutes(45));

		BudgetForecast forecast = budgets.forecast("daily-spend", null);

		assertThat(forecast.costNanosPerHour()).isZero();
		assertThat(forecast.projectedCostNanos()).isEqualTo(usd("6"));
		assertThat(forecast.exhaustsAt()).isNull();
		assertThat(forecast.rateSince()).isEqualTo(Instant.parse("2026-11-22T11:00:00Z"));
	}

	@Test
	void aBudgetAlreadySpentIsExhaustedNow() {
		Budgets budgets = budgets(tokenBudget("daily-tokens", BudgetScope.GLOBAL, BudgetPeriod.DAY, 1_000));
		for (int minute = 1; minute <= 10; minute++) {
			this.clock.advance(Duration.ofMinutes(1));
			settle(budgets, budgets.chargesFor(null, null, 0, 250), 0, 250);
		}
		BudgetForecast forecast = budgets.forecast("daily-tokens", null);
		assertThat(forecast.exhaustsAt()).isEqualTo(this.clock.instant());
		assertThat(forecast.tokensPerHour()).isPositive();
	}

	@Test
	void aTenantBudgetIsForecastOnRequestFromItsAverageSinceThePeriodStarted() {
		Budgets budgets = budgets(costBudget("tenant-daily", BudgetScope.TENANT, BudgetPeriod.DAY, "10"));
		// acme spent $5 between midnight and 10:00; nothing is kept per tenant but the period's totals
		settle(budgets, budgets.chargesFor("acme", null, usd("5"), 0), usd("5"), 0);

		BudgetForecast forecast = budgets.forecast("tenant-daily", "acme");

		assertThat(forecast.key()).isEqualTo("acme");
		assertThat(forecast.rateSince()).isEqualTo(Instant.parse("2026-11-22T00:00:00Z"));
		assertThat(forecast.costNanosPerHour()).isEqualTo(usd("0.5"));
		assertThat(forecast.projectedCostNanos()).isEqualTo(usd("12"));
		assertThat(forecast.exhaustsAt()).isEqualTo(Instant.parse("2026-11-22T20:00:00Z"));
		assertThat(budgets.forecast("tenant-daily", "nobody").costNanosPerHour()).isZero();
		// tenant forecasts are read, never raised as events: that would need a history per tenant
		assertThat(forecastEvents()).isEmpty();
	}

	@Test
	void aBudgetWithoutPeriodHasNoProjectedSpendAndNoEventButAnExhaustionTime() {
		Budgets budgets = budgets(costBudget("lifetime", BudgetScope.GLOBAL, BudgetPeriod.NONE, "100"));
		for (int minute = 1; minute <= 40; minute++) {
			this.clock.advance(Duration.ofMinutes(1));
			spend(budgets, usd("1"), "lifetime");
		}
		BudgetForecast forecast = budgets.forecast("lifetime", null);
		assertThat(forecast.projectedCostNanos()).isNull();
		assertThat(forecast.resetsAt()).isNull();
		assertThat(forecast.costNanosPerHour()).isEqualTo(usd("60"));
		// $60 left at $60 an hour
		assertThat(forecast.exhaustsAt()).isEqualTo(this.clock.instant().plus(Duration.ofHours(1)));
		assertThat(forecast.runsOutBeforeReset()).isFalse();
		assertThat(forecastEvents()).isEmpty();
		// a tenant budget without period keeps nothing to take a rate from
		Budgets tenants = budgets(costBudget("tenant-lifetime", BudgetScope.TENANT, BudgetPeriod.NONE, "100"));
		assertThat(tenants.forecast("tenant-lifetime", "acme")).isNull();
	}

	@Test
	void tooLittleHistoryGivesNoForecastAndAResetStartsAfresh() {
		Budgets budgets = budgets(costBudget("lifetime", BudgetScope.GLOBAL, BudgetPeriod.NONE, "100"));
		spend(budgets, usd("1"), "lifetime");
		assertThat(budgets.forecast("lifetime", null)).isNull();
		this.clock.advance(Duration.ofMinutes(2));
		spend(budgets, usd("1"), "lifetime");
		assertThat(budgets.forecast("lifetime", null).costNanosPerHour()).isEqualTo(usd("30"));

		budgets.reset("lifetime", null);
		assertThat(budgets.forecast("lifetime", null)).isNull();
	}

	private void spend(Budgets budgets, long costNanos) {
		spend(budgets, costNanos, "daily-spend");
	}

	private void spend(Budgets budgets, long costNanos, String budget) {
		List<BudgetCharge> charges = budgets.chargesFor(null, null, costNanos, 0);
		assertThat(charges).extracting((charge) -> charge.budget().name()).containsExactly(budget);
		settle(budgets, charges, costNanos, 0);
	}

	private static void settle(Budgets budgets, List<BudgetCharge> charges, long costNanos, long tokens) {
		ReserveOutcome outcome = budgets.reserve(charges);
		if (outcome instanceof ReserveOutcome.Reserved reserved) {
			budgets.commit(reserved.reservation(), costNanos, tokens);
		}
	}

	private List<GuardEvent.BudgetForecast> forecastEvents() {
		return this.events.stream()
			.filter(GuardEvent.BudgetForecast.class::isInstance)
			.map(GuardEvent.BudgetForecast.class::cast)
			.toList();
	}

	private List<String> warnings() {
		return this.logs.list.stream()
			.filter((event) -> event.getLevel() == Level.WARN)
			.map(ILoggingEvent::getFormattedMessage)
			.filter((line) -> line.contains("runs out"))
			.toList();
	}

	private Budgets budgets(BudgetSpec... specs) {
		GuardSettings.Builder settings = GuardSettings.builder().zone(UTC);
		for (BudgetSpec spec : specs) {
			settings.budget(spec);
		}
		return new Budgets(settings.build(), new InMemoryBudgetLedger(this.clock, UTC), this.clock, this.events::add);
	}

}

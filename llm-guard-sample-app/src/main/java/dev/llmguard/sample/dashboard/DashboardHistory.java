package dev.llmguard.sample.dashboard;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.llmguard.core.LlmGuardEngine;
import dev.llmguard.core.budget.BudgetUsage;
import dev.llmguard.core.config.BudgetScope;
import dev.llmguard.core.config.BudgetSpec;
import dev.llmguard.core.event.GuardEvent;
import dev.llmguard.core.model.Money;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the dashboard's charts draw, kept by the application itself from the guard's events: the calls
 * per minute by outcome over the last hour ({@link CallsPerMinute}) and each global budget's spend
 * through its period ({@link SpendTrail}). The spend is read from the budget ledger (fleet-wide with
 * Redis) when a call ends, at most once per {@link #SAMPLE_EVERY}, and whenever the history is asked for.
 * Memory is fixed: one ring for the calls, one per configured global budget.
 */
final class DashboardHistory {

	private static final Logger logger = LoggerFactory.getLogger(DashboardHistory.class);

	/** A ledger read per call would cost a Redis round trip each; one in ten seconds draws the same line. */
	static final Duration SAMPLE_EVERY = Duration.ofSeconds(10);

	private final LlmGuardEngine engine;

	private final CallsPerMinute calls = new CallsPerMinute();

	private final Map<String, SpendTrail> trails = new LinkedHashMap<>();

	private volatile Instant nextSample = Instant.MIN;

	DashboardHistory(LlmGuardEngine engine) {
		this.engine = engine;
		for (BudgetSpec budget : engine.budgets().budgets()) {
			if (budget.scope() == BudgetScope.GLOBAL) {
				this.trails.put(budget.name(), new SpendTrail());
			}
		}
	}

	/** Counts a call that ended; the engine's listener (not a bean: the engine collects those to be built). */
	void onEvent(GuardEvent event) {
		if (event instanceof GuardEvent.CallFinished finished) {
			this.calls.record(finished.time(), finished.outcome());
			if (!finished.time().isBefore(this.nextSample)) {
				this.nextSample = finished.time().plus(SAMPLE_EVERY);
				sampleBudgets(finished.time());
			}
		}
	}

	/** The history up to now on the guard's clock, with each global budget's spend read afresh. */
	History history() {
		Instant now = this.engine.clock().instant();
		Map<String, BudgetUsage> usages = sampleBudgets(now);
		Map<String, BudgetTrail> budgets = new LinkedHashMap<>();
		for (BudgetSpec budget : this.engine.budgets().budgets()) {
			SpendTrail trail = this.trails.get(budget.name());
			BudgetUsage usage = usages.get(budget.name());
			if (trail != null && usage != null) {
				List<SpendPoint> points = trail.points(usage.resetsAt(), now)
					.stream()
					.map((point) -> new SpendPoint(point.time(), Money.toUsd(point.costNanos()), point.tokens()))
					.toList();
				budgets.put(budget.name(), new BudgetTrail(usage.periodStart(), usage.resetsAt(), points));
			}
		}
		return new History(now, this.calls.lastHour(now), budgets);
	}

	private Map<String, BudgetUsage> sampleBudgets(Instant now) {
		Map<String, BudgetUsage> usages = new LinkedHashMap<>();
		this.trails.forEach((name, trail) -> {
			try {
				BudgetUsage usage = this.engine.budgets().usage(name, "");
				trail.record(usage, now);
				usages.put(name, usage);
			}
			catch (RuntimeException ex) {
				// the ledger is unreachable (Redis down): the chart misses a point, the call goes on
				logger.debug("Cannot read the spend of budget '{}' for the dashboard", name, ex);
			}
		});
		return usages;
	}

	/**
	 * The body of {@code GET /dashboard/history}.
	 *
	 * @param now the guard's clock: the charts' right edge
	 * @param calls calls per minute by outcome over the last hour
	 * @param budgets each global budget's spend through its current period
	 */
	record History(Instant now, CallsPerMinute.Series calls, Map<String, BudgetTrail> budgets) {
	}

	/**
	 * One global budget's spend through its current period. Its cap and forecast are in
	 * {@code /actuator/llmguard}.
	 *
	 * @param periodStart the start of the period (when the spend was zero, for a budget that resets)
	 * @param resetsAt the end of the period, or {@code null} when it never resets
	 * @param points the spend read through the period, oldest first
	 */
	record BudgetTrail(Instant periodStart, Instant resetsAt, List<SpendPoint> points) {
	}

	/**
	 * The committed spend at one instant.
	 *
	 * @param time when it was read
	 * @param spentCost USD
	 * @param spentTokens tokens
	 */
	record SpendPoint(Instant time, BigDecimal spentCost, long spentTokens) {
	}

}

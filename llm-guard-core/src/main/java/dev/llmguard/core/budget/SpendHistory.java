package dev.llmguard.core.budget;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;

import dev.llmguard.core.config.BudgetSpec;

/**
 * The recent committed spend of one global budget: a ring of one sample per minute (the totals the
 * ledger reported first in that minute), enough to cover the forecast window, so memory stays fixed
 * whatever the traffic. With a shared ledger the totals are the fleet's, so the rate is the fleet's.
 * <p>
 * Samples are taken from what the engine reads anyway (the usage a commit returns, the usage a
 * forecast reads); a minute without either has no sample, which is fine: the totals did not change
 * here, and a later sample still tells the spend in between. Samples of an earlier period, or taken
 * before a reset (the totals went down), are dropped.
 */
final class SpendHistory {

	private final long windowMillis;

	/** Epoch minute of each slot, {@code Long.MIN_VALUE} when empty. */
	private final long[] minutes;

	private final long[] atMillis;

	private final long[] costs;

	private final long[] tokens;

	private Instant periodStart;

	/** The minute of the latest sample, read without the lock to keep the per-call check cheap. */
	private volatile long latestMinute = Long.MIN_VALUE;

	/** The period whose {@code budget-forecast} event this instance has raised, or {@code null}. */
	private Instant warnedPeriod;

	SpendHistory(Duration window) {
		this.windowMillis = window.toMillis();
		int slots = (int) window.toMinutes() + 2;
		this.minutes = new long[slots];
		this.atMillis = new long[slots];
		this.costs = new long[slots];
		this.tokens = new long[slots];
		clear(null);
	}

	/**
	 * Records the totals of a usage read at {@code at}, when it is the first of its minute.
	 * @return whether a sample was added
	 */
	boolean record(Instant at, BudgetUsage usage) {
		long minute = Math.floorDiv(at.toEpochMilli(), 60_000L);
		if (minute == this.latestMinute && usage.periodStart().equals(this.periodStart)) {
			return false;
		}
		synchronized (this) {
			if (!usage.periodStart().equals(this.periodStart)) {
				clear(usage.periodStart());
			}
			else if (wentDown(usage)) {
				clear(this.periodStart); // reset: what came before is no longer the same total
			}
			int slot = (int) Math.floorMod(minute, (long) this.minutes.length);
			if (this.minutes[slot] == minute) {
				return false;
			}
			this.minutes[slot] = minute;
			this.atMillis[slot] = at.toEpochMilli();
			this.costs[slot] = usage.spentCostNanos();
			this.tokens[slot] = usage.spentTokens();
			this.latestMinute = Math.max(this.latestMinute, minute);
			return true;
		}
	}

	/**
	 * The forecast at {@code at} from the sample that starts the window: the latest sample at least a
	 * window old, else the oldest one that is at least a minute old.
	 * @return the forecast, or {@code null} when there is too little history
	 */
	synchronized BudgetForecast forecast(BudgetSpec budget, BudgetUsage usage, Instant at) {
		boolean samePeriod = usage.periodStart().equals(this.periodStart) && !wentDown(usage);
		long atMs = at.toEpochMilli();
		int windowStart = -1;
		int oldest = -1;
		if (samePeriod) {
			for (int i = 0; i < this.minutes.length; i++) {
				if (this.minutes[i] == Long.MIN_VALUE || this.atMillis[i] > atMs) {
					continue;
				}
				if (atMs - this.atMillis[i] >= this.windowMillis
						&& (windowStart < 0 || this.atMillis[i] > this.atMillis[windowStart])) {
					windowStart = i;
				}
				if (oldest < 0 || this.atMillis[i] < this.atMillis[oldest]) {
					oldest = i;
				}
			}
		}
		int from = (windowStart >= 0) ? windowStart
				: (oldest >= 0 && atMs - this.atMillis[oldest] >= Budgets.MIN_FORECAST_SPAN.toMillis()) ? oldest : -1;
		if (from >= 0) {
			return BudgetForecast.of(budget, usage, at, Instant.ofEpochMilli(this.atMillis[from]), this.costs[from],
					this.tokens[from]);
		}
		return null;
	}

	/** Whether the forecast event of this period is still to be raised here; marks it raised. */
	synchronized boolean firstWarningOf(Instant periodStart) {
		if (periodStart.equals(this.warnedPeriod)) {
			return false;
		}
		this.warnedPeriod = periodStart;
		return true;
	}

	/** Forgets everything, after a reset of the budget. */
	synchronized void reset() {
		clear(null);
		this.warnedPeriod = null;
	}

	private boolean wentDown(BudgetUsage usage) {
		int latest = (int) Math.floorMod(this.latestMinute, (long) this.minutes.length);
		return this.latestMinute != Long.MIN_VALUE && this.minutes[latest] == this.latestMinute
				&& (usage.spentCostNanos() < this.costs[latest] || usage.spentTokens() < this.tokens[latest]);
	}

	private void clear(Instant periodStart) {
		Arrays.fill(this.minutes, Long.MIN_VALUE);
		this.periodStart = periodStart;
		this.latestMinute = Long.MIN_VALUE;
	}

}

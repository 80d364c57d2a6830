package dev.llmguard.core.budget;

import java.time.Instant;
import java.time.ZoneId;

import dev.llmguard.core.config.BudgetSpec;

/**
 * The amount one call asks of one budget in its current period.
 *
 * @param budget the budget
 * @param key tenant or session key; empty for a global budget
 * @param periodStart start of the current period ({@code Instant.EPOCH} for period none)
 * @param resetsAt end of the current period, or {@code null} for period none
 * @param costNanos worst-case cost in nano-dollars
 * @param tokens worst-case tokens
 */
public record BudgetCharge(BudgetSpec budget, String key, Instant periodStart, Instant resetsAt, long costNanos,
		long tokens) {

	public BudgetCharge {
		if (costNanos < 0 || tokens < 0) {
			throw new IllegalArgumentException("budget '" + budget.name() + "' cannot be charged negative amounts: cost="
					+ costNanos + ", tokens=" + tokens);
		}
	}

	/**
	 * This charge in the period that holds {@code now}: itself while its period lasts; a charge computed
	 * for another period (just before a period ended, or by an instance whose clock is off from the
	 * ledger's) is counted in the period that holds {@code now}.
	 * @param now the current instant
	 * @param zone the time zone of calendar periods
	 * @return the charge in the current period
	 */
	public BudgetCharge inPeriodAt(Instant now, ZoneId zone) {
		if (this.resetsAt == null || (now.isBefore(this.resetsAt) && !now.isBefore(this.periodStart))) {
			return this;
		}
		BudgetWindow window = BudgetPeriods.windowOf(this.budget.period(), now, zone);
		return new BudgetCharge(this.budget, this.key, window.start(), window.end(), this.costNanos, this.tokens);
	}
}

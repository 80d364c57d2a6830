package dev.llmguard.core.budget;

/** The answer of {@link BudgetLedger#reserve}: everything reserved, or the first budget that could not afford it. */
public sealed interface ReserveOutcome {

	/**
	 * Every charge was reserved.
	 * @param reservation what to commit or release later
	 * @param usages each budget's usage after the reservation, in the order of the charges
	 */
	record Reserved(BudgetReservation reservation, java.util.List<BudgetUsage> usages) implements ReserveOutcome {
	}

	/**
	 * Nothing was reserved because this charge did not fit.
	 * @param charge the charge that did not fit
	 * @param usage that budget's usage (spent and reserved) at the time
	 */
	record Exceeded(BudgetCharge charge, BudgetUsage usage) implements ReserveOutcome {
	}

}

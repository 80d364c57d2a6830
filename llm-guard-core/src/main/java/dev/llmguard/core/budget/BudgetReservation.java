package dev.llmguard.core.budget;

import java.util.List;

/**
 * Amounts held on one or more budgets for one call, until committed or released.
 *
 * @param id unique id (used by shared ledgers to reclaim reservations of crashed instances)
 * @param charges what was reserved on each budget
 */
public record BudgetReservation(String id, List<BudgetCharge> charges) {

	public BudgetReservation {
		charges = List.copyOf(charges);
	}

	public boolean isEmpty() {
		return this.charges.isEmpty();
	}

}

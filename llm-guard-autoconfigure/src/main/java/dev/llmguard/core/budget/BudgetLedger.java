package dev.llmguard.core.budget;

import java.time.Instant;
import java.util.List;

import dev.llmguard.core.config.BudgetSpec;

/**
 * Where budget spending is counted: in this JVM or shared. Every operation is atomic; a
 * reservation across several budgets is all or nothing.
 */
public interface BudgetLedger {

	/**
	 * Reserves every charge, or none when one would exceed its budget's limit (spent + reserved + charge
	 * above max-cost or max-tokens).
	 */
	ReserveOutcome reserve(List<BudgetCharge> charges);

	/**
	 * Turns a reservation into spending: the actual amounts are added to spent and the reserved
	 * amounts released. Amounts are per call and apply to every charge of the reservation.
	 * @return each budget's usage after the commit, in the order of the charges
	 */
	List<BudgetUsage> commit(BudgetReservation reservation, long actualCostNanos, long actualTokens);

	/** Gives a reservation back without spending. */
	void release(BudgetReservation reservation);

	/** One budget's usage for a key in the period that starts at {@code periodStart}. */
	BudgetUsage usage(BudgetSpec budget, String key, Instant periodStart, Instant resetsAt);

	/** Forgets one budget's spending and reservations for a key (all periods). */
	void reset(BudgetSpec budget, String key);

	/** {@code memory} or {@code redis}. */
	String backend();

}

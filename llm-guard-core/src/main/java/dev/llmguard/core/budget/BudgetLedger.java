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

	/**
	 * Claims the {@code warn-at} warning of one budget, key and period: {@code true} for the first
	 * claim of every instance sharing this ledger, {@code false} after it, until the period ends or the
	 * key is reset. Called once per instance, after the instance found the warning due; a ledger in
	 * one JVM needs no more than that, so the default answers {@code true}.
	 * @param budget the budget
	 * @param key tenant or session key; empty for a global budget
	 * @param periodStart start of the period the warning is for
	 * @return whether this caller raises the warning
	 */
	default boolean claimWarning(BudgetSpec budget, String key, Instant periodStart) {
		return true;
	}

	/**
	 * Claims the {@code budget-forecast} event of one budget, key and period, like {@link #claimWarning}:
	 * {@code true} for the first claim of every instance sharing this ledger, {@code false} after it,
	 * until the period ends or the key is reset. The default answers {@code true}.
	 * @param budget the budget
	 * @param key tenant or session key; empty for a global budget
	 * @param periodStart start of the period the event is for
	 * @return whether this caller raises the event
	 */
	default boolean claimForecast(BudgetSpec budget, String key, Instant periodStart) {
		return true;
	}

}

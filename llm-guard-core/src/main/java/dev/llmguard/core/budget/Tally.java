package dev.llmguard.core.budget;

import java.time.Instant;

import dev.llmguard.core.config.BudgetSpec;

/**
 * One budget's amounts for one key in one period, as the {@link InMemoryBudgetLedger} holds them:
 * spent and reserved cost (nano-dollars) and tokens. Changed in place, only under the ledger's lock.
 * Amounts saturate at {@code Long.MAX_VALUE} instead of overflowing.
 */
final class Tally {

	private final Instant resetsAt;

	private long spentCost;

	private long reservedCost;

	private long spentTokens;

	private long reservedTokens;

	/** Not yet in the ledger's maps (created for a reservation that may not fit). */
	private boolean isNew = true;

	Tally(Instant resetsAt) {
		this.resetsAt = resetsAt;
	}

	Instant resetsAt() {
		return this.resetsAt;
	}

	boolean isNew() {
		return this.isNew;
	}

	void held() {
		this.isNew = false;
	}

	boolean endedAt(Instant now) {
		return this.resetsAt != null && !now.isBefore(this.resetsAt);
	}

	boolean isReserved() {
		return this.reservedCost > 0 || this.reservedTokens > 0;
	}

	boolean hasSpending() {
		return isReserved() || this.spentCost > 0 || this.spentTokens > 0;
	}

	/** Whether spent plus reserved plus the charge stays within the limits the budget declares. */
	boolean fits(BudgetCharge charge) {
		BudgetSpec budget = charge.budget();
		// a budget limits only what it declares: max-cost, max-tokens or both
		if (budget.maxCost() != null
				&& sum(sum(this.spentCost, this.reservedCost), charge.costNanos()) > budget.maxCostNanos()) {
			return false;
		}
		return budget.maxTokens() == null
				|| sum(sum(this.spentTokens, this.reservedTokens), charge.tokens()) <= budget.maxTokens();
	}

	void reserve(BudgetCharge charge) {
		this.reservedCost = sum(this.reservedCost, charge.costNanos());
		this.reservedTokens = sum(this.reservedTokens, charge.tokens());
	}

	void release(BudgetCharge charge) {
		// never below zero: a reset may have dropped what this charge reserved
		this.reservedCost = Math.max(0, this.reservedCost - charge.costNanos());
		this.reservedTokens = Math.max(0, this.reservedTokens - charge.tokens());
	}

	void spend(long costNanos, long tokens) {
		this.spentCost = sum(this.spentCost, costNanos);
		this.spentTokens = sum(this.spentTokens, tokens);
	}

	BudgetUsage usage(TallyKey key) {
		return new BudgetUsage(key.budget(), key.key(), this.spentCost, this.reservedCost, this.spentTokens,
				this.reservedTokens, key.periodStart(), this.resetsAt);
	}

	/** Adds two amounts that are never negative, saturating at {@code Long.MAX_VALUE}. */
	private static long sum(long a, long b) {
		long sum = a + b;
		return (sum < 0) ? Long.MAX_VALUE : sum;
	}

}

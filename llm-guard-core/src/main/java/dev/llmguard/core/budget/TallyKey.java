package dev.llmguard.core.budget;

import java.time.Instant;
import java.util.Objects;

import dev.llmguard.core.config.BudgetScope;

/**
 * Identifies one budget's {@link Tally} in the {@link InMemoryBudgetLedger}: the budget, the tenant or
 * session key (empty for a global budget) and the start of the period. Its hash is computed once,
 * before the ledger's lock is taken, rather than on every lookup under it.
 */
final class TallyKey {

	private final String budget;

	private final BudgetScope scope;

	private final String key;

	private final Instant periodStart;

	private final int hash;

	TallyKey(String budget, BudgetScope scope, String key, Instant periodStart) {
		this.budget = budget;
		this.scope = scope;
		this.key = key;
		this.periodStart = periodStart;
		this.hash = Objects.hash(budget, scope, key, periodStart);
	}

	static TallyKey of(BudgetCharge charge) {
		return new TallyKey(charge.budget().name(), charge.budget().scope(), charge.key(), charge.periodStart());
	}

	TallyKey in(Instant otherPeriodStart) {
		return new TallyKey(this.budget, this.scope, this.key, otherPeriodStart);
	}

	String budget() {
		return this.budget;
	}

	BudgetScope scope() {
		return this.scope;
	}

	String key() {
		return this.key;
	}

	Instant periodStart() {
		return this.periodStart;
	}

	@Override
	public boolean equals(Object other) {
		return this == other || (other instanceof TallyKey that && this.hash == that.hash
				&& this.budget.equals(that.budget) && this.scope == that.scope && this.key.equals(that.key)
				&& this.periodStart.equals(that.periodStart));
	}

	@Override
	public int hashCode() {
		return this.hash;
	}

	@Override
	public String toString() {
		return "TallyKey[" + this.budget + ", " + this.scope + ", " + this.key + ", " + this.periodStart + "]";
	}

}

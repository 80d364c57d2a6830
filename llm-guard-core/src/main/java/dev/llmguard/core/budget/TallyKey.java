package dev.llmguard.core.budget;

import java.time.Instant;

import dev.llmguard.core.config.BudgetScope;

/**
 * Identifies one budget's {@link Tally} in the {@link InMemoryBudgetLedger}: the budget, the tenant or
 * session key (empty for a global budget) and the start of the period.
 */
record TallyKey(String budget, BudgetScope scope, String key, Instant periodStart) {

	static TallyKey of(BudgetCharge charge) {
		return new TallyKey(charge.budget().name(), charge.budget().scope(), charge.key(), charge.periodStart());
	}

	TallyKey in(Instant otherPeriodStart) {
		return new TallyKey(this.budget, this.scope, this.key, otherPeriodStart);
	}

}

package dev.llmguard.core.budget;

import java.time.Instant;

/**
 * One budget's state for one key in its current period. Money in nano-dollars.
 *
 * @param budget budget name
 * @param key tenant or session key; empty for a global budget
 * @param spentCostNanos committed cost
 * @param reservedCostNanos cost held by calls in flight
 * @param spentTokens committed tokens
 * @param reservedTokens tokens held by calls in flight
 * @param periodStart start of the period
 * @param resetsAt end of the period, or {@code null}
 */
public record BudgetUsage(String budget, String key, long spentCostNanos, long reservedCostNanos, long spentTokens,
		long reservedTokens, Instant periodStart, Instant resetsAt) {

	public static BudgetUsage empty(String budget, String key, Instant periodStart, Instant resetsAt) {
		return new BudgetUsage(budget, key, 0, 0, 0, 0, periodStart, resetsAt);
	}

}

package dev.llmguard.core.budget;

import java.time.Instant;

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
}

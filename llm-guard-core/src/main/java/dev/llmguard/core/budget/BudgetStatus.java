package dev.llmguard.core.budget;

import dev.llmguard.core.config.BudgetSpec;

/**
 * How far a budget is used in its current period, for health details and gauges.
 *
 * @param budget the budget
 * @param usage its usage in the current period
 * @param usedShare spent and reserved as a share of the limit (the larger of the cost and token
 * shares when both are limited); above 1 when actual spending overran the reservations
 * @param pastWarnAt whether the share has reached the budget's {@code warn-at}
 */
public record BudgetStatus(BudgetSpec budget, BudgetUsage usage, double usedShare, boolean pastWarnAt) {
}

package dev.llmguard.core;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneId;

import dev.llmguard.core.budget.BudgetCharge;
import dev.llmguard.core.budget.BudgetUsage;
import dev.llmguard.core.budget.ReserveOutcome;
import dev.llmguard.core.config.BudgetSpec;
import dev.llmguard.core.model.Money;

/**
 * A budget cannot afford a call. {@link #getSpent()} and {@link #getLimit()} are in {@link #getUnit()}:
 * {@code USD} for a cost limit, {@code tokens} for a token limit.
 */
public class BudgetExceededException extends LlmGuardException {

	private final String budget;

	private final String key;

	private final BigDecimal spent;

	private final BigDecimal limit;

	private final String unit;

	private final Instant resetsAt;

	public BudgetExceededException(String budget, String key, BigDecimal spent, BigDecimal limit, String unit,
			Instant resetsAt, String message) {
		super(message);
		this.budget = budget;
		this.key = key;
		this.spent = spent;
		this.limit = limit;
		this.unit = unit;
		this.resetsAt = resetsAt;
	}

	public String getBudget() {
		return this.budget;
	}

	/** The tenant or session the budget was counted for; empty for a global budget. */
	public String getKey() {
		return this.key;
	}

	/** Spent and reserved so far, in {@link #getUnit()}. */
	public BigDecimal getSpent() {
		return this.spent;
	}

	public BigDecimal getLimit() {
		return this.limit;
	}

	public String getUnit() {
		return this.unit;
	}

	/** When the budget's period starts again, or {@code null} for a budget that never resets. */
	public Instant getResetsAt() {
		return this.resetsAt;
	}

	@Override
	public String code() {
		return "budget_exceeded";
	}

	/**
	 * The exception for a call a budget cannot afford, with the numbers of the limit it hit: cost
	 * when the cost limit is the one exceeded, tokens otherwise. Made by the pipeline when
	 * {@link dev.llmguard.core.budget.Budgets#reserve} refuses a call.
	 * @param exceeded the outcome of {@link dev.llmguard.core.budget.Budgets#reserve}
	 * @param zone the time zone the reset is shown in
	 * @return the exception, to be thrown by the caller
	 */
	public static BudgetExceededException of(ReserveOutcome.Exceeded exceeded, ZoneId zone) {
		BudgetCharge charge = exceeded.charge();
		BudgetUsage usage = exceeded.usage();
		BudgetSpec budget = charge.budget();
		long usedCost = usage.spentCostNanos() + usage.reservedCostNanos();
		long usedTokens = usage.spentTokens() + usage.reservedTokens();
		String resets = (charge.resetsAt() != null)
				? "resets at " + charge.resetsAt().atZone(zone).toOffsetDateTime()
				: "it never resets (period none)";
		String who = switch (budget.scope()) {
			case GLOBAL -> "";
			case TENANT -> " for tenant '" + charge.key() + "'";
			case SESSION -> " for session '" + charge.key() + "'";
		};
		boolean costExceeded = budget.maxCost() != null
				&& Math.addExact(usedCost, charge.costNanos()) > budget.maxCostNanos();
		if (costExceeded) {
			String message = "Budget '" + budget.name() + "'" + who + " would reach "
					+ Money.format(Math.addExact(usedCost, charge.costNanos())) + " of "
					+ Money.format(budget.maxCostNanos()) + "; " + resets;
			return new BudgetExceededException(budget.name(), charge.key(), Money.toUsd(usedCost), budget.maxCost(),
					"USD", charge.resetsAt(), message);
		}
		long limit = budget.maxTokensOrUnlimited();
		String message = "Budget '" + budget.name() + "'" + who + " would reach "
				+ Math.addExact(usedTokens, charge.tokens()) + " tokens of " + limit + "; " + resets;
		return new BudgetExceededException(budget.name(), charge.key(), BigDecimal.valueOf(usedTokens),
				BigDecimal.valueOf(limit), "tokens", charge.resetsAt(), message);
	}

}

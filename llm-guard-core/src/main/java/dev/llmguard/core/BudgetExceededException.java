package dev.llmguard.core;

import java.math.BigDecimal;
import java.time.Instant;

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

}

package dev.llmguard.core.config;

/** Calendar period after which a budget starts again; {@link #NONE} never resets. */
public enum BudgetPeriod {

	NONE, HOUR, DAY, WEEK, MONTH

}

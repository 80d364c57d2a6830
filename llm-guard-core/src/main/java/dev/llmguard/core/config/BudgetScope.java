package dev.llmguard.core.config;

/** Who a budget is counted for. */
public enum BudgetScope {

	/** One budget for the whole application (fleet, with the Redis backend). */
	GLOBAL,
	/** One budget per tenant. */
	TENANT,
	/** One budget per session or run. */
	SESSION

}

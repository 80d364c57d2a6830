package dev.llmguard.core.config;

/**
 * How a provider's limits are found ({@code llm.guard.providers.<name>.limits}).
 */
public enum LimitsMode {

	/**
	 * The declared limits, lowered by what the provider's answers report: a lower limit, or less
	 * remaining than the bucket holds (a key shared with others). Never above a declared limit.
	 */
	DECLARED,

	/**
	 * Limits learned from the provider's answers; declared limits, if any, are ceilings. Until the first
	 * answer only one call is in flight.
	 */
	AUTO,

	/** Only the declared limits: the provider's rate-limit headers are not read. */
	FIXED;

	/** Whether answers' rate-limit headers change the buckets. */
	public boolean learns() {
		return this != FIXED;
	}

}

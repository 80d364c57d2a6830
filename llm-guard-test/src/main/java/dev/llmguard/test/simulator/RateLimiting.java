package dev.llmguard.test.simulator;

/**
 * How the simulator counts its requests-per-minute and tokens-per-minute limits.
 */
public enum RateLimiting {

	/**
	 * A bucket per limit that holds at most a minute's worth and refills continuously at the limit per
	 * minute, the way OpenAI and Anthropic describe their own limits: after a pause the whole limit is
	 * available at once, and capacity comes back a little every millisecond. The default.
	 */
	TOKEN_BUCKET,

	/**
	 * At most the limit in any 60 seconds: a request is admitted only when the admissions of the last
	 * minute plus this one stay within the limit. Stricter than the providers: a client whose own
	 * bucket starts full and refills at the limit can be refused here while a provider would admit it.
	 */
	SLIDING_WINDOW

}

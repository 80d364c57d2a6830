package dev.llmguard.autoconfigure;

import java.time.Duration;

/**
 * Retry of transient provider failures ({@code llm.guard.retry.*}): 429 that is not a quota error,
 * 5xx, 529, I/O errors.
 */
public class RetryProperties {

	/** Attempts per model, the first one included; 1 disables retries. */
	private int maxAttempts = 5;

	/** Pause before the first retry. */
	private Duration initialBackoff = Duration.ofSeconds(1);

	/** Growth of the pause from one retry to the next, at least 1. */
	private double multiplier = 2.0;

	/** Longest computed pause between two attempts. */
	private Duration maxBackoff = Duration.ofSeconds(60);

	/** Longest pause a provider's Retry-After header may ask for; longer ones are capped. */
	private Duration maxRetryAfter = Duration.ofSeconds(120);

	/**
	 * Deadline of a call, from its start: its waits for capacity, its attempts and the pauses between
	 * them together. A wait never goes past it; a pause (after max-retry-after's cap) longer than what is
	 * left is not taken: the call moves to the next model, or fails at once as rate_limited. Also set per
	 * call (annotation maxTotalTime, advisor and RestClient attribute llm-guard.max-total-time).
	 */
	private Duration maxTotalTime = Duration.ofSeconds(60);

	public int getMaxAttempts() {
		return this.maxAttempts;
	}

	public void setMaxAttempts(int maxAttempts) {
		this.maxAttempts = maxAttempts;
	}

	public Duration getInitialBackoff() {
		return this.initialBackoff;
	}

	public void setInitialBackoff(Duration initialBackoff) {
		this.initialBackoff = initialBackoff;
	}

	public double getMultiplier() {
		return this.multiplier;
	}

	public void setMultiplier(double multiplier) {
		this.multiplier = multiplier;
	}

	public Duration getMaxBackoff() {
		return this.maxBackoff;
	}

	public void setMaxBackoff(Duration maxBackoff) {
		this.maxBackoff = maxBackoff;
	}

	public Duration getMaxRetryAfter() {
		return this.maxRetryAfter;
	}

	public void setMaxRetryAfter(Duration maxRetryAfter) {
		this.maxRetryAfter = maxRetryAfter;
	}

	public Duration getMaxTotalTime() {
		return this.maxTotalTime;
	}

	public void setMaxTotalTime(Duration maxTotalTime) {
		this.maxTotalTime = maxTotalTime;
	}

}

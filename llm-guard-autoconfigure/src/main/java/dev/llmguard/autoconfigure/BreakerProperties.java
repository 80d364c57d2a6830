package dev.llmguard.autoconfigure;

import java.time.Duration;

/**
 * The circuit breaker of every model ({@code llm.guard.breaker.*}). A model that fails
 * {@code failures} times within {@code window} (5xx, timeouts, connection errors, 529, 429s the
 * retries did not cure) is skipped for its chain's cooldown, like a cooling-down model; then one call
 * probes it: a success closes the breaker, a failure opens it again for twice as long, at most
 * {@code max-open}. A model may set its own under
 * {@code llm.guard.providers.<name>.models.<model>.breaker.*}.
 */
public class BreakerProperties {

	/**
	 * Whether models have a circuit breaker. On by default: a model that keeps failing then costs
	 * callers one quick refusal or failover instead of every retry and its backoff.
	 */
	private boolean enabled = true;

	/** How many failures of a model within the window open its breaker, at least 1. */
	private int failures = 5;

	/** The sliding window failures are counted in. */
	private Duration window = Duration.ofSeconds(60);

	/**
	 * How long a breaker opens the first time for a call outside a chain, or whose chain's cooldown is
	 * 0; a call of a chain opens it for the chain's cooldown.
	 */
	private Duration openFor = Duration.ofSeconds(60);

	/**
	 * The longest a breaker stays open after failing again: each failed half-open probe doubles the
	 * open time up to this. Never shortens an open time already reached. At least open-for.
	 */
	private Duration maxOpen = Duration.ofMinutes(10);

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public int getFailures() {
		return this.failures;
	}

	public void setFailures(int failures) {
		this.failures = failures;
	}

	public Duration getWindow() {
		return this.window;
	}

	public void setWindow(Duration window) {
		this.window = window;
	}

	public Duration getOpenFor() {
		return this.openFor;
	}

	public void setOpenFor(Duration openFor) {
		this.openFor = openFor;
	}

	public Duration getMaxOpen() {
		return this.maxOpen;
	}

	public void setMaxOpen(Duration maxOpen) {
		this.maxOpen = maxOpen;
	}

}

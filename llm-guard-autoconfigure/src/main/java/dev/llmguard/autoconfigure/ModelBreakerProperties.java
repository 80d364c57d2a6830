package dev.llmguard.autoconfigure;

import java.time.Duration;

/**
 * A model's own circuit breaker ({@code llm.guard.providers.<name>.models.<model>.breaker.*}); each
 * value left unset is taken from {@code llm.guard.breaker.*}.
 */
public class ModelBreakerProperties {

	/** Whether this model has a circuit breaker; defaults to llm.guard.breaker.enabled. */
	private Boolean enabled;

	/** How many failures within the window open this model's breaker; defaults to llm.guard.breaker.failures. */
	private Integer failures;

	/** The sliding window failures are counted in; defaults to llm.guard.breaker.window. */
	private Duration window;

	/** How long the breaker opens outside a chain; defaults to llm.guard.breaker.open-for. */
	private Duration openFor;

	/** The longest the breaker stays open after failing again; defaults to llm.guard.breaker.max-open. */
	private Duration maxOpen;

	/** Whether any value is set. */
	boolean isSet() {
		return this.enabled != null || this.failures != null || this.window != null || this.openFor != null
				|| this.maxOpen != null;
	}

	public Boolean getEnabled() {
		return this.enabled;
	}

	public void setEnabled(Boolean enabled) {
		this.enabled = enabled;
	}

	public Integer getFailures() {
		return this.failures;
	}

	public void setFailures(Integer failures) {
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

package dev.llmguard.metrics;

import io.micrometer.observation.Observation;

import dev.llmguard.core.CallRequest;

/**
 * What an {@code llm.guard.call} observation knows about its call: the request, then the model it
 * ended on and the outcome, filled in from the call's events.
 */
public class GuardCallContext extends Observation.Context {

	/** Provider and model before any model was tried. */
	public static final String NONE = "none";

	private final CallRequest request;

	private volatile String provider = NONE;

	private volatile String model = NONE;

	private volatile String outcome;

	private volatile int attempts;

	private volatile String chain;

	public GuardCallContext(CallRequest request) {
		this.request = request;
	}

	/** The call's request; its tenant and session must not become low-cardinality keys. */
	public CallRequest getRequest() {
		return this.request;
	}

	/** The provider of the last model tried, or {@code none}. */
	public String getProvider() {
		return this.provider;
	}

	/** The last model tried, or {@code none}. */
	public String getModel() {
		return this.model;
	}

	/**
	 * How the call ended: {@code success}, {@code rate_limited}, {@code budget_exceeded},
	 * {@code failed}, {@code fallback_response} or {@code cached_response}; {@code null} while it runs.
	 */
	public String getOutcome() {
		return this.outcome;
	}

	/** The chain the call used (the request's, or {@code default}), or {@code null}. */
	public String getChain() {
		return (this.chain != null) ? this.chain : this.request.chain();
	}

	void setChain(String chain) {
		if (chain != null) {
			this.chain = chain;
		}
	}

	/** Attempts sent to providers, retries included. */
	public int getAttempts() {
		return this.attempts;
	}

	void setModel(String provider, String model) {
		this.provider = (provider != null) ? provider : NONE;
		this.model = (model != null) ? model : NONE;
	}

	void setOutcome(String outcome) {
		this.outcome = outcome;
	}

	void attempted() {
		this.attempts++;
	}

}

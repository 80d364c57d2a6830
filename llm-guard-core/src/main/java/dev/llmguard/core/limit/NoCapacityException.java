package dev.llmguard.core.limit;

import java.time.Duration;

import dev.llmguard.core.model.ModelRef;

/**
 * No capacity came for a call within its maximum wait, or its demand can never fit a limit. The
 * pipeline turns it into the public {@code RateLimitExceededException}; this package knows nothing
 * of the public exceptions.
 */
public final class NoCapacityException extends RuntimeException {

	private final ModelRef model;

	private final Duration retryAfter;

	NoCapacityException(ModelRef model, Duration retryAfter, String message) {
		super(message, null, false, false);
		this.model = model;
		this.retryAfter = retryAfter;
	}

	/** The model that got no capacity. */
	public ModelRef model() {
		return this.model;
	}

	/** How long until capacity is expected; never negative. */
	public Duration retryAfter() {
		return this.retryAfter;
	}

}

package dev.llmguard.core;

import java.time.Duration;

import dev.llmguard.core.limit.NoCapacityException;

/** No capacity was available for a call within its maximum wait, on every model it could use. */
public class RateLimitExceededException extends LlmGuardException {

	private final String provider;

	private final String model;

	private final Duration retryAfter;

	public RateLimitExceededException(String provider, String model, Duration retryAfter, String message) {
		super(message);
		this.provider = provider;
		this.model = model;
		this.retryAfter = retryAfter;
	}

	public RateLimitExceededException(String provider, String model, Duration retryAfter, String message,
			Throwable cause) {
		super(message, cause);
		this.provider = provider;
		this.model = model;
		this.retryAfter = retryAfter;
	}

	public String getProvider() {
		return this.provider;
	}

	public String getModel() {
		return this.model;
	}

	/** How long until capacity is expected; never negative. */
	public Duration getRetryAfter() {
		return this.retryAfter;
	}

	@Override
	public String code() {
		return "rate_limited";
	}

	/**
	 * The public exception for capacity the rate limiters could not give.
	 * @param ex what the limiters reported
	 * @return the exception to raise, with the limiters' report as its cause
	 */
	public static RateLimitExceededException of(NoCapacityException ex) {
		return new RateLimitExceededException(ex.model().provider(), ex.model().model(), ex.retryAfter(),
				ex.getMessage(), ex);
	}

}

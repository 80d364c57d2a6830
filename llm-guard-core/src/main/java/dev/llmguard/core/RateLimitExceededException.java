package dev.llmguard.core;

import java.time.Duration;

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

}

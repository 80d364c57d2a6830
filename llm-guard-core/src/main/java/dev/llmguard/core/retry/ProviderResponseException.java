package dev.llmguard.core.retry;

import java.time.Duration;

/**
 * A provider answered with an error status. Thrown by llm-guard's own HTTP integrations and usable by
 * any client code that wants the guard to classify its failures without a custom classifier.
 */
public class ProviderResponseException extends RuntimeException {

	private final int status;

	private final String errorCode;

	private final Duration retryAfter;

	/**
	 * @param status HTTP status
	 * @param errorCode the provider's error code or type (e.g. {@code insufficient_quota}), or {@code null}
	 * @param retryAfter the provider's requested delay, or {@code null}
	 * @param message description without prompt or response text
	 */
	public ProviderResponseException(int status, String errorCode, Duration retryAfter, String message) {
		super(message);
		this.status = status;
		this.errorCode = errorCode;
		this.retryAfter = retryAfter;
	}

	public int getStatus() {
		return this.status;
	}

	public String getErrorCode() {
		return this.errorCode;
	}

	public Duration getRetryAfter() {
		return this.retryAfter;
	}

}

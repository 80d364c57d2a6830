package dev.llmguard.core.retry;

import java.time.Duration;

/**
 * What a classifier made of a failure.
 *
 * @param kind the kind
 * @param status the HTTP status when known, else {@code null}
 * @param retryAfter the provider's {@code Retry-After} (or rate-limit reset) when it sent one, else {@code null}
 * @param detail a short description without prompt or response text
 */
public record ErrorClassification(FailureKind kind, Integer status, Duration retryAfter, String detail) {

	public static ErrorClassification of(FailureKind kind, Integer status, String detail) {
		return new ErrorClassification(kind, status, null, detail);
	}

}

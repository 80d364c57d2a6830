package dev.llmguard.core.retry;

import java.time.Duration;

/**
 * What a classifier made of a failure.
 *
 * @param kind the kind
 * @param status the HTTP status when known, else {@code null}
 * @param retryAfter the provider's {@code Retry-After} (or rate-limit reset) when it sent one, else {@code null}
 * @param detail a short description without prompt or response text
 * @param outcomeUnknown whether the request may have reached the provider and been processed although no
 * answer came back (a read timeout, a connection lost after sending): the provider may bill it, so the
 * attempt is charged its reserved worst case; {@code false} for answers the provider refused and for
 * requests that never left (connection refused, unknown host)
 */
public record ErrorClassification(FailureKind kind, Integer status, Duration retryAfter, String detail,
		boolean outcomeUnknown) {

	/** A failure whose outcome is known: the provider answered it, or it never left. */
	public ErrorClassification(FailureKind kind, Integer status, Duration retryAfter, String detail) {
		this(kind, status, retryAfter, detail, false);
	}

	public static ErrorClassification of(FailureKind kind, Integer status, String detail) {
		return new ErrorClassification(kind, status, null, detail, false);
	}

}

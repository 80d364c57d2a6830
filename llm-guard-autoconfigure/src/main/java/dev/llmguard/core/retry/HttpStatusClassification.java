package dev.llmguard.core.retry;

import java.time.Duration;
import java.util.Locale;

/** The shared rules that turn an HTTP status and an error text into a {@link FailureKind}. */
public final class HttpStatusClassification {

	private HttpStatusClassification() {
	}

	/**
	 * @param status HTTP status
	 * @param errorText error code, type or message of the provider (may be {@code null}); only searched
	 * for quota and context-length markers, never logged
	 * @param retryAfter the provider's delay or {@code null}
	 * @return the classification
	 */
	public static ErrorClassification classify(int status, String errorText, Duration retryAfter) {
		String text = (errorText != null) ? errorText.toLowerCase(Locale.ROOT) : "";
		FailureKind kind = switch (status) {
			case 429 -> isQuotaExhausted(text) ? FailureKind.QUOTA_EXHAUSTED : FailureKind.RATE_LIMITED;
			case 529 -> FailureKind.OVERLOADED;
			case 500, 502, 503, 504 -> text.contains("overloaded") ? FailureKind.OVERLOADED : FailureKind.TRANSIENT;
			case 400, 413 -> isContextLength(text) ? FailureKind.CONTEXT_LENGTH : FailureKind.NON_RETRYABLE;
			default -> FailureKind.NON_RETRYABLE;
		};
		return new ErrorClassification(kind, status, retryAfter, "HTTP " + status);
	}

	static boolean isQuotaExhausted(String text) {
		return text.contains("insufficient_quota") || text.contains("quota") || text.contains("billing")
				|| text.contains("spend limit") || text.contains("credit balance");
	}

	static boolean isContextLength(String text) {
		return text.contains("context_length_exceeded") || text.contains("context length")
				|| text.contains("maximum context") || text.contains("prompt is too long")
				|| text.contains("too many tokens");
	}

}

package dev.llmguard.core.retry;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The shared rules that turn an HTTP status and an error text into a {@link FailureKind}.
 * <p>
 * A 429 is a rate limit, retried after the provider's delay, unless the provider says explicitly that
 * a quota is spent until someone acts or a day passes. Wording alone does not say so: Gemini answers
 * every per-minute limit with "You exceeded your current quota, please check your plan and billing
 * details", and OpenAI's requests-per-day limit points to its billing page. A 402, or a 400 or 403
 * that names a spent credit balance or billing limit, is a spent quota too: not retried, but the next
 * model of a chain, at another provider, may still answer.
 */
public final class HttpStatusClassification {

	/** Codes and quota ids that mean a spent quota: OpenAI's and others' codes, Google's daily quotas, a quota of 0. */
	private static final Pattern QUOTA_EXHAUSTED = Pattern.compile("\\binsufficient_quota\\b" + "|\\bbilling_[a-z_]+"
			+ "|[a-z_]per_?day" + "|\\blimit(?::\\s*|\\s+)0(?![\\d.])" + "|\"quotavalue\"\\s*:\\s*\"0\""
			+ "|credit balance|spend limit|api usage limits");

	/**
	 * What says a quota is spent in an answer that is no 429 (Anthropic answers a spent credit balance
	 * or a reached usage limit with 400): codes and wording only, no numbers that could belong to
	 * another error.
	 */
	private static final Pattern SPENT = Pattern.compile("\\binsufficient_quota\\b|\\bbilling_[a-z_]+"
			+ "|credit balance is too low|spend limit|api usage limits");

	/** Google's {@code RetryInfo.retryDelay}, a protobuf duration such as {@code "37s"} or {@code "19.6s"}. */
	private static final Pattern RETRY_DELAY = Pattern.compile("\"retrydelay\"\\s*:\\s*\"(\\d{1,9})(?:\\.(\\d{1,9}))?s\"");

	private HttpStatusClassification() {
	}

	/**
	 * @param status HTTP status
	 * @param errorText error code, type, message or body of the provider (may be {@code null}); only
	 * searched for quota and context-length markers and a retry delay, never logged
	 * @param retryAfter the provider's delay from its headers, or {@code null}
	 * @return the classification
	 */
	public static ErrorClassification classify(int status, String errorText, Duration retryAfter) {
		String text = (errorText != null) ? errorText.toLowerCase(Locale.ROOT) : "";
		FailureKind kind = switch (status) {
			case 429 -> isQuotaExhausted(text) ? FailureKind.QUOTA_EXHAUSTED : FailureKind.RATE_LIMITED;
			case 529 -> FailureKind.OVERLOADED;
			case 500, 502, 503, 504 -> text.contains("overloaded") ? FailureKind.OVERLOADED : FailureKind.TRANSIENT;
			case 402 -> FailureKind.QUOTA_EXHAUSTED;
			case 400, 403, 413 -> isContextLength(text) ? FailureKind.CONTEXT_LENGTH
					: SPENT.matcher(text).find() ? FailureKind.QUOTA_EXHAUSTED : FailureKind.NON_RETRYABLE;
			default -> FailureKind.NON_RETRYABLE;
		};
		Duration delay = (retryAfter == null && kind == FailureKind.RATE_LIMITED) ? retryDelay(text) : retryAfter;
		return new ErrorClassification(kind, status, delay, "HTTP " + status);
	}

	static boolean isQuotaExhausted(String text) {
		return QUOTA_EXHAUSTED.matcher(text).find();
	}

	/** The delay Google puts in an error body when no header carries one. */
	static Duration retryDelay(String text) {
		Matcher delay = RETRY_DELAY.matcher(text);
		if (!delay.find()) {
			return null;
		}
		Duration seconds = Duration.ofSeconds(Long.parseLong(delay.group(1)));
		if (delay.group(2) == null) {
			return seconds;
		}
		String fraction = (delay.group(2) + "00000000").substring(0, 9);
		return seconds.plusNanos(Long.parseLong(fraction));
	}

	static boolean isContextLength(String text) {
		return text.contains("context_length_exceeded") || text.contains("context length")
				|| text.contains("maximum context") || text.contains("prompt is too long")
				|| text.contains("too many tokens") || text.contains("maximum number of tokens");
	}

}

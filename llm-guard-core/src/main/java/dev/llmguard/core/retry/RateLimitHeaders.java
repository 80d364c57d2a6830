package dev.llmguard.core.retry;

import java.time.Duration;
import java.time.Instant;
import java.util.function.Function;

/**
 * Reads the delay a provider asks for from response headers: {@code Retry-After} (seconds or date),
 * {@code retry-after-ms}, else the reset time of an exhausted OpenAI ({@code x-ratelimit-*}) or
 * Anthropic ({@code anthropic-ratelimit-*}) limit.
 */
public final class RateLimitHeaders {

	private static final String[][] LIMITS = { { "x-ratelimit-remaining-requests", "x-ratelimit-reset-requests" },
			{ "x-ratelimit-remaining-tokens", "x-ratelimit-reset-tokens" },
			{ "anthropic-ratelimit-requests-remaining", "anthropic-ratelimit-requests-reset" },
			{ "anthropic-ratelimit-tokens-remaining", "anthropic-ratelimit-tokens-reset" },
			{ "anthropic-ratelimit-input-tokens-remaining", "anthropic-ratelimit-input-tokens-reset" },
			{ "anthropic-ratelimit-output-tokens-remaining", "anthropic-ratelimit-output-tokens-reset" } };

	private RateLimitHeaders() {
	}

	/**
	 * @param header reads one header value by (case-insensitive) name, {@code null} when absent
	 * @param now the current instant
	 * @return the delay, or {@code null} when the headers ask for none or are malformed
	 */
	public static Duration retryAfter(Function<String, String> header, Instant now) {
		Duration retryAfter = RetryAfter.parseMillis(header.apply("retry-after-ms"));
		if (retryAfter == null) {
			retryAfter = RetryAfter.parse(header.apply("retry-after"), now);
		}
		if (retryAfter != null) {
			return retryAfter;
		}
		Duration longest = null;
		for (String[] limit : LIMITS) {
			String remaining = header.apply(limit[0]);
			if (remaining != null && remaining.trim().equals("0")) {
				Duration reset = RetryAfter.parseReset(header.apply(limit[1]), now);
				if (reset != null && (longest == null || reset.compareTo(longest) > 0)) {
					longest = reset;
				}
			}
		}
		return longest;
	}

}

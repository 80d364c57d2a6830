package dev.llmguard.core.retry;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.llmguard.core.limit.ReportedLimits;

/**
 * Reads rate-limit headers: the delay a provider asks for ({@code Retry-After} as seconds or date,
 * {@code retry-after-ms}, else the reset time of an exhausted limit), and every limit an answer
 * reports ({@link #report}): OpenAI's (and Azure OpenAI's) {@code x-ratelimit-{limit,remaining,reset}-
 * {requests,tokens}}, resets as durations such as {@code 6m0s}, {@code 1s} or {@code 20ms}, and
 * Anthropic's {@code anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-{limit,remaining,
 * reset}}, resets as RFC 3339 instants. A value of {@code -1} means unknown; a malformed value is
 * ignored with a debug line.
 */
public final class RateLimitHeaders {

	private static final Logger logger = LoggerFactory.getLogger(RateLimitHeaders.class);

	private static final String[] OPENAI_KINDS = { ReportedLimits.REQUESTS, ReportedLimits.TOKENS };

	private static final String[] ANTHROPIC_KINDS = { ReportedLimits.REQUESTS, ReportedLimits.TOKENS,
			ReportedLimits.INPUT_TOKENS, ReportedLimits.OUTPUT_TOKENS };

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

	/**
	 * Every limit the headers of one answer report.
	 * @param header reads one header value by (case-insensitive) name, {@code null} when absent
	 * @param now when the answer came, for durations
	 * @return the report; empty when the headers tell nothing
	 */
	public static ReportedLimits report(Function<String, String> header, Instant now) {
		Map<String, ReportedLimits.Reading> readings = new LinkedHashMap<>();
		for (String kind : OPENAI_KINDS) {
			add(readings, kind, header, now, "x-ratelimit-limit-" + kind, "x-ratelimit-remaining-" + kind,
					"x-ratelimit-reset-" + kind);
		}
		for (String kind : ANTHROPIC_KINDS) {
			String prefix = "anthropic-ratelimit-" + kind;
			add(readings, kind, header, now, prefix + "-limit", prefix + "-remaining", prefix + "-reset");
		}
		Duration retryAfter = millis(header.apply("retry-after-ms"));
		if (retryAfter == null) {
			String value = header.apply("retry-after");
			retryAfter = RetryAfter.parse(value, now);
			if (retryAfter == null && value != null && !value.isBlank()) {
				malformed("retry-after", value);
			}
		}
		return new ReportedLimits(now, readings, retryAfter);
	}

	private static void add(Map<String, ReportedLimits.Reading> readings, String kind, Function<String, String> header,
			Instant now, String limitName, String remainingName, String resetName) {
		Long limit = count(limitName, header.apply(limitName));
		Long remaining = count(remainingName, header.apply(remainingName));
		Instant resetsAt = reset(resetName, header.apply(resetName), now);
		if (limit != null && remaining != null && remaining > limit) {
			logger.debug("llm-guard: ignoring {} {} above {} {}", remainingName, remaining, limitName, limit);
			remaining = null;
		}
		ReportedLimits.Reading reading = new ReportedLimits.Reading(limit, remaining, resetsAt);
		if (!reading.isEmptyReading()) {
			readings.putIfAbsent(kind, reading);
		}
	}

	/** A count, {@code null} when absent, unknown ({@code -1}) or malformed. */
	private static Long count(String name, String value) {
		if (value == null || value.isBlank()) {
			return null;
		}
		String v = value.trim();
		try {
			long count = Long.parseLong(v);
			if (count == -1) {
				return null; // Azure's "unknown"
			}
			if (count < 0) {
				malformed(name, value);
				return null;
			}
			return count;
		}
		catch (NumberFormatException ex) {
			malformed(name, value);
			return null;
		}
	}

	private static Instant reset(String name, String value, Instant now) {
		if (value == null || value.isBlank() || value.trim().equals("-1")) {
			return null;
		}
		Duration reset = RetryAfter.parseReset(value, now);
		if (reset == null) {
			malformed(name, value);
			return null;
		}
		return now.plus(reset);
	}

	private static Duration millis(String value) {
		if (value == null || value.isBlank() || value.trim().equals("-1")) {
			return null;
		}
		Duration millis = RetryAfter.parseMillis(value);
		if (millis == null) {
			malformed("retry-after-ms", value);
		}
		return millis;
	}

	private static void malformed(String name, String value) {
		if (logger.isDebugEnabled()) {
			String shown = (value.length() > 40) ? value.substring(0, 40) + "..." : value;
			logger.debug("llm-guard: ignoring malformed rate-limit header {}: '{}'", name, shown);
		}
	}

}

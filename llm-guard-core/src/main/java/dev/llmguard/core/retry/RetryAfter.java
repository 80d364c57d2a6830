package dev.llmguard.core.retry;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads how long a provider asks to wait: {@code Retry-After} as seconds or HTTP date,
 * {@code retry-after-ms}, and reset values of rate-limit headers such as OpenAI's {@code 6m0s},
 * {@code 1.5s}, {@code 20ms} or Anthropic's RFC 3339 instants. Malformed values give {@code null}.
 */
public final class RetryAfter {

	private static final Pattern GO_DURATION = Pattern
		.compile("^(?:(\\d+(?:\\.\\d+)?)h)?(?:(\\d+(?:\\.\\d+)?)m(?!s))?(?:(\\d+(?:\\.\\d+)?)s)?(?:(\\d+(?:\\.\\d+)?)ms)?$");

	private RetryAfter() {
	}

	/**
	 * Parses a {@code Retry-After} header value.
	 * @param value delay-seconds (possibly fractional) or an HTTP date
	 * @param now the current instant, for dates
	 * @return the delay (never negative), or {@code null} when the value is missing or malformed
	 */
	public static Duration parse(String value, Instant now) {
		if (value == null || value.isBlank()) {
			return null;
		}
		String v = value.trim();
		try {
			double seconds = Double.parseDouble(v);
			if (seconds < 0 || Double.isNaN(seconds) || Double.isInfinite(seconds)) {
				return null;
			}
			return Duration.ofMillis((long) Math.ceil(seconds * 1000));
		}
		catch (NumberFormatException ex) {
			// not seconds: an HTTP date
		}
		try {
			Instant at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
			return nonNegative(Duration.between(now, at));
		}
		catch (DateTimeParseException ex) {
			return null;
		}
	}

	/** Parses {@code retry-after-ms}. */
	public static Duration parseMillis(String value) {
		if (value == null || value.isBlank()) {
			return null;
		}
		try {
			double ms = Double.parseDouble(value.trim());
			return (ms >= 0 && !Double.isInfinite(ms)) ? Duration.ofMillis((long) Math.ceil(ms)) : null;
		}
		catch (NumberFormatException ex) {
			return null;
		}
	}

	/**
	 * Parses a rate-limit reset: a Go-style duration ({@code 1h2m3.5s}, {@code 20ms}), plain seconds, or
	 * an ISO-8601 instant (Anthropic).
	 */
	public static Duration parseReset(String value, Instant now) {
		if (value == null || value.isBlank()) {
			return null;
		}
		String v = value.trim();
		Matcher m = GO_DURATION.matcher(v);
		if (m.matches() && !v.isEmpty()) {
			double millis = 0;
			millis += group(m, 1) * 3_600_000;
			millis += group(m, 2) * 60_000;
			millis += group(m, 3) * 1000;
			millis += group(m, 4);
			return Duration.ofMillis((long) Math.ceil(millis));
		}
		try {
			return nonNegative(Duration.between(now, Instant.parse(v)));
		}
		catch (DateTimeParseException ex) {
			return parse(v, now);
		}
	}

	private static double group(Matcher m, int group) {
		String g = m.group(group);
		return (g != null) ? Double.parseDouble(g) : 0;
	}

	private static Duration nonNegative(Duration d) {
		return d.isNegative() ? Duration.ZERO : d;
	}

}

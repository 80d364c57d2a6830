package dev.llmguard.core.retry;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

import dev.llmguard.core.limit.ReportedLimits;
import dev.llmguard.core.limit.ReportedLimits.Reading;

import static org.assertj.core.api.Assertions.assertThat;

/** What {@link RateLimitHeaders#report} reads from each provider's headers, malformed values included. */
class RateLimitHeadersReportTests {

	private static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");

	@Test
	void readsOpenAiLimitsWithGoDurationResets() {
		ReportedLimits report = report(headers("x-ratelimit-limit-requests", "500", "x-ratelimit-remaining-requests",
				"499", "x-ratelimit-reset-requests", "120ms", "x-ratelimit-limit-tokens", "30000",
				"x-ratelimit-remaining-tokens", "29000", "x-ratelimit-reset-tokens", "6m0s"));

		assertThat(report.at()).isEqualTo(NOW);
		assertThat(report.readings()).containsOnly(
				Map.entry(ReportedLimits.REQUESTS, new Reading(500L, 499L, NOW.plusMillis(120))),
				Map.entry(ReportedLimits.TOKENS, new Reading(30000L, 29000L, NOW.plus(Duration.ofMinutes(6)))));
	}

	@Test
	void readsOpenAiResetsInSecondsAndFractions() {
		assertThat(report(headers("x-ratelimit-reset-tokens", "1s")).readings().get("tokens").resetsAt())
			.isEqualTo(NOW.plusSeconds(1));
		assertThat(report(headers("x-ratelimit-reset-tokens", "1m30.5s")).readings().get("tokens").resetsAt())
			.isEqualTo(NOW.plusMillis(90_500));
		assertThat(report(headers("x-ratelimit-reset-requests", "20ms")).readings().get("requests").resetsAt())
			.isEqualTo(NOW.plusMillis(20));
	}

	@Test
	void readsAnthropicLimitsWithRfc3339Resets() {
		ReportedLimits report = report(headers("anthropic-ratelimit-requests-limit", "50",
				"anthropic-ratelimit-requests-remaining", "49", "anthropic-ratelimit-requests-reset",
				"2026-11-22T10:00:01Z", "anthropic-ratelimit-input-tokens-limit", "40000",
				"anthropic-ratelimit-input-tokens-remaining", "39000", "anthropic-ratelimit-input-tokens-reset",
				"2026-11-22T10:00:02.500Z", "anthropic-ratelimit-output-tokens-limit", "8000",
				"anthropic-ratelimit-output-tokens-remaining", "7900", "anthropic-ratelimit-output-tokens-reset",
				"2026-11-22T11:00:00+01:00", "anthropic-ratelimit-tokens-limit", "48000",
				"anthropic-ratelimit-tokens-remaining", "46900"));

		assertThat(report.readings()).containsOnly(
				Map.entry(ReportedLimits.REQUESTS, new Reading(50L, 49L, NOW.plusSeconds(1))),
				Map.entry(ReportedLimits.TOKENS, new Reading(48000L, 46900L, null)),
				Map.entry(ReportedLimits.INPUT_TOKENS, new Reading(40000L, 39000L, NOW.plusMillis(2500))),
				Map.entry(ReportedLimits.OUTPUT_TOKENS, new Reading(8000L, 7900L, NOW)));
	}

	@Test
	void readsAzureRetryAfterMillisAndTakesMinusOneForUnknown() {
		ReportedLimits report = report(headers("retry-after-ms", "1500", "x-ratelimit-remaining-tokens", "-1",
				"x-ratelimit-limit-tokens", "-1", "x-ratelimit-remaining-requests", "9", "x-ratelimit-reset-requests",
				"-1"));

		assertThat(report.retryAfter()).isEqualTo(Duration.ofMillis(1500));
		assertThat(report.readings()).containsOnly(Map.entry(ReportedLimits.REQUESTS, new Reading(null, 9L, null)));
	}

	@Test
	void ignoresMalformedValuesAndKeepsTheRest() {
		ReportedLimits report = report(headers("x-ratelimit-limit-requests", "lots", "x-ratelimit-remaining-requests",
				"-7", "x-ratelimit-reset-requests", "soon", "x-ratelimit-limit-tokens", "1e9",
				"x-ratelimit-remaining-tokens", "800", "x-ratelimit-reset-tokens", "6x", "retry-after-ms", "abc",
				"anthropic-ratelimit-requests-reset", "2026-13-45T99:00:00Z", "anthropic-ratelimit-tokens-limit",
				"99999999999999999999999"));

		assertThat(report.readings()).containsOnly(Map.entry(ReportedLimits.TOKENS, new Reading(null, 800L, null)));
		assertThat(report.retryAfter()).isNull();
	}

	@Test
	void ignoresARemainingCountAboveItsLimit() {
		ReportedLimits report = report(headers("x-ratelimit-limit-tokens", "1000", "x-ratelimit-remaining-tokens",
				"5000"));

		assertThat(report.readings()).containsOnly(Map.entry(ReportedLimits.TOKENS, new Reading(1000L, null, null)));
	}

	@Test
	void answerWithoutHeadersReportsNothing() {
		assertThat(report(headers("content-type", "application/json")).isEmpty()).isTrue();
	}

	private static Map<String, String> headers(String... namesAndValues) {
		Map<String, String> headers = new TreeMap<>();
		for (int i = 0; i < namesAndValues.length; i += 2) {
			headers.put(namesAndValues[i], namesAndValues[i + 1]);
		}
		return headers;
	}

	private static ReportedLimits report(Map<String, String> headers) {
		Map<String, String> byName = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
		byName.putAll(headers);
		return RateLimitHeaders.report(byName::get, NOW);
	}

}

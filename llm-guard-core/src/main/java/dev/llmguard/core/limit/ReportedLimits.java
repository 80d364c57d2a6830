package dev.llmguard.core.limit;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * What one answer of a provider said about its rate limits: per kind ({@link #REQUESTS},
 * {@link #TOKENS}, {@link #INPUT_TOKENS}, {@link #OUTPUT_TOKENS}) the limit, what remains and when it
 * resets, each when told; and the delay it asked for. Read from OpenAI's {@code x-ratelimit-*},
 * Anthropic's {@code anthropic-ratelimit-*} and Azure's {@code retry-after-ms} headers, or from a
 * Spring AI response's rate-limit metadata.
 *
 * @param at when the answer came
 * @param readings by kind
 * @param retryAfter the delay the provider asked for, or {@code null}
 */
public record ReportedLimits(Instant at, Map<String, Reading> readings, Duration retryAfter) {

	/** Requests per minute. */
	public static final String REQUESTS = "requests";

	/** Tokens per minute, input and output together. */
	public static final String TOKENS = "tokens";

	/** Input tokens per minute. */
	public static final String INPUT_TOKENS = "input-tokens";

	/** Output tokens per minute. */
	public static final String OUTPUT_TOKENS = "output-tokens";

	public ReportedLimits {
		readings = Map.copyOf(readings);
	}

	/** Whether the answer told nothing. */
	public boolean isEmpty() {
		return this.readings.isEmpty() && this.retryAfter == null;
	}

	/**
	 * One limit as the provider reported it; each part is {@code null} when not told (or told as
	 * {@code -1}, unknown).
	 *
	 * @param limit the limit
	 * @param remaining what remains of it now
	 * @param resetsAt when it is whole again
	 */
	public record Reading(Long limit, Long remaining, Instant resetsAt) {

		/** Whether it tells nothing. */
		public boolean isEmptyReading() {
			return this.limit == null && this.remaining == null && this.resetsAt == null;
		}

	}

}

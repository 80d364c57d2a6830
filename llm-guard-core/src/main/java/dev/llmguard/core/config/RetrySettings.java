package dev.llmguard.core.config;

import java.time.Duration;
import java.util.Objects;

/**
 * Retry of transient failures, and the deadline of a call.
 *
 * @param maxAttempts attempts per model, the first included
 * @param initialBackoff first pause
 * @param multiplier growth of the pause per attempt
 * @param maxBackoff longest computed pause
 * @param maxRetryAfter longest pause a provider's {@code Retry-After} may ask for
 * @param maxTotalTime the deadline of a call, from its start: its waits for capacity, its attempts and
 * the pauses between them together; a pause longer than what is left is not taken
 */
public record RetrySettings(int maxAttempts, Duration initialBackoff, double multiplier, Duration maxBackoff,
		Duration maxRetryAfter, Duration maxTotalTime) {

	/** The default deadline of a call ({@code llm.guard.retry.max-total-time}). */
	public static final Duration DEFAULT_MAX_TOTAL_TIME = Duration.ofSeconds(60);

	public static final RetrySettings DEFAULT = new RetrySettings(5, Duration.ofSeconds(1), 2.0,
			Duration.ofSeconds(60), Duration.ofSeconds(120));

	public RetrySettings {
		Objects.requireNonNull(maxTotalTime, "maxTotalTime");
		if (maxTotalTime.isNegative()) {
			throw new IllegalArgumentException("max-total-time cannot be negative, was " + maxTotalTime);
		}
	}

	/** Retry settings with the default deadline of a call ({@link #DEFAULT_MAX_TOTAL_TIME}). */
	public RetrySettings(int maxAttempts, Duration initialBackoff, double multiplier, Duration maxBackoff,
			Duration maxRetryAfter) {
		this(maxAttempts, initialBackoff, multiplier, maxBackoff, maxRetryAfter, DEFAULT_MAX_TOTAL_TIME);
	}

}

package dev.llmguard.core.config;

import java.time.Duration;

/**
 * Retry of transient failures.
 *
 * @param maxAttempts attempts per model, the first included
 * @param initialBackoff first pause
 * @param multiplier growth of the pause per attempt
 * @param maxBackoff longest computed pause
 * @param maxRetryAfter longest pause a provider's {@code Retry-After} may ask for
 */
public record RetrySettings(int maxAttempts, Duration initialBackoff, double multiplier, Duration maxBackoff,
		Duration maxRetryAfter) {

	public static final RetrySettings DEFAULT = new RetrySettings(5, Duration.ofSeconds(1), 2.0,
			Duration.ofSeconds(60), Duration.ofSeconds(120));

}

package dev.llmguard.core.retry;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

import dev.llmguard.core.config.RetrySettings;

/**
 * Pauses between attempts: exponential with "equal jitter" (half fixed, half random), or the
 * provider's {@code Retry-After} capped at {@code max-retry-after}.
 */
public final class BackoffCalculator {

	private final RetrySettings settings;

	private final DoubleSupplier random;

	public BackoffCalculator(RetrySettings settings) {
		this(settings, () -> ThreadLocalRandom.current().nextDouble());
	}

	/**
	 * @param settings retry settings
	 * @param random a source of numbers in [0, 1), for tests
	 */
	public BackoffCalculator(RetrySettings settings, DoubleSupplier random) {
		this.settings = settings;
		this.random = random;
	}

	/**
	 * The pause before the next attempt.
	 * @param failedAttempt the attempt that just failed, 1 for the first
	 * @param retryAfter the provider's requested delay, or {@code null}
	 * @return the pause
	 */
	public Duration delay(int failedAttempt, Duration retryAfter) {
		if (retryAfter != null) {
			return min(retryAfter, this.settings.maxRetryAfter());
		}
		double base = this.settings.initialBackoff().toNanos()
				* Math.pow(this.settings.multiplier(), Math.max(0, failedAttempt - 1));
		double capped = Math.min(base, this.settings.maxBackoff().toNanos());
		double jittered = capped / 2 + this.random.getAsDouble() * capped / 2;
		return Duration.ofNanos((long) jittered);
	}

	private static Duration min(Duration a, Duration b) {
		return (a.compareTo(b) <= 0) ? a : b;
	}

}

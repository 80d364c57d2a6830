package dev.llmguard.core.budget;

import java.time.Instant;

import com.github.benmanes.caffeine.cache.Ticker;

import dev.llmguard.core.time.GuardClock;

/**
 * Caffeine's time read from a {@link GuardClock}, so entries expire at period ends of the guard's
 * calendar and tests move expiry by moving the clock. Readings count from construction, which keeps
 * them far from overflow.
 */
final class ClockTicker implements Ticker {

	private final GuardClock clock;

	private final long origin;

	ClockTicker(GuardClock clock) {
		this.clock = clock;
		this.origin = clock.epochNanos();
	}

	@Override
	public long read() {
		return this.clock.epochNanos() - this.origin;
	}

	/** The reading this ticker will show at an instant; {@code Long.MAX_VALUE} for one too far away. */
	long at(Instant instant) {
		try {
			return Math.subtractExact(
					Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000_000L), instant.getNano()),
					this.origin);
		}
		catch (ArithmeticException ex) {
			return Long.MAX_VALUE;
		}
	}

	/** Nanoseconds from a reading until an instant, for {@code Expiry}: 0 when past, never negative. */
	long until(Instant instant, long currentTime) {
		if (instant == null) {
			return Long.MAX_VALUE;
		}
		return Math.max(0, at(instant) - currentTime);
	}

}

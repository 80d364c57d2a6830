package dev.llmguard.core.budget;

import java.time.Instant;

import com.github.benmanes.caffeine.cache.Ticker;

import dev.llmguard.core.GuardClock;

/**
 * Caffeine's time read from a {@link GuardClock}, so entries expire at period ends of the guard's
 * calendar and tests move expiry by moving the clock. Readings count from construction, which keeps
 * them far from overflow.
 * <p>
 * Caffeine reads its ticker several times per operation. The ledger reads the clock once per
 * operation and {@linkplain #freeze(Instant) freezes} the ticker at that instant while it holds its
 * lock, so the thread holding it sees that reading instead of asking the clock again; other threads
 * always read the clock.
 */
final class ClockTicker implements Ticker {

	private final GuardClock clock;

	private final long origin;

	/** The thread for which the ticker is frozen, or {@code null}. Written and read by that thread. */
	private volatile Thread frozenFor;

	private long frozenAt;

	ClockTicker(GuardClock clock) {
		this.clock = clock;
		this.origin = clock.epochNanos();
	}

	@Override
	public long read() {
		if (this.frozenFor == Thread.currentThread()) {
			return this.frozenAt;
		}
		return this.clock.epochNanos() - this.origin;
	}

	/** Until {@link #thaw()}, this thread reads {@code now} (a caller holding the ledger's lock). */
	void freeze(Instant now) {
		long reading = at(now);
		this.frozenAt = (reading == Long.MAX_VALUE) ? this.clock.epochNanos() - this.origin : reading;
		this.frozenFor = Thread.currentThread();
	}

	/** Back to reading the clock. */
	void thaw() {
		this.frozenFor = null;
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

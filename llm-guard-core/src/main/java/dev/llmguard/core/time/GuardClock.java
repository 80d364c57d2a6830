package dev.llmguard.core.time;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;

/**
 * The time every part of the engine reads and waits by, so tests can move time instead of sleeping.
 */
public interface GuardClock {

	/** The current instant. */
	Instant instant();

	/** Nanoseconds since the epoch, for buckets. */
	default long epochNanos() {
		Instant now = instant();
		return Math.addExact(Math.multiplyExact(now.getEpochSecond(), 1_000_000_000L), now.getNano());
	}

	/** Pauses the calling thread (a retry backoff). */
	void sleep(Duration duration) throws InterruptedException;

	/**
	 * Waits on a condition, whose lock the caller holds, for at most the given time of this clock or
	 * until signalled. Spurious returns are allowed: callers re-check their state.
	 */
	void await(Condition condition, Duration atMost) throws InterruptedException;

	/** The system clock. */
	static GuardClock system() {
		return SystemGuardClock.INSTANCE;
	}

	/** The system clock. */
	final class SystemGuardClock implements GuardClock {

		static final SystemGuardClock INSTANCE = new SystemGuardClock();

		private SystemGuardClock() {
		}

		@Override
		public Instant instant() {
			return Instant.now();
		}

		@Override
		public void sleep(Duration duration) throws InterruptedException {
			if (!duration.isNegative() && !duration.isZero()) {
				TimeUnit.NANOSECONDS.sleep(duration.toNanos());
			}
		}

		@Override
		public void await(Condition condition, Duration atMost) throws InterruptedException {
			if (!atMost.isNegative() && !atMost.isZero()) {
				condition.awaitNanos(atMost.toNanos());
			}
		}

	}

}

package dev.llmguard.core.time;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Condition;

/**
 * A clock that only moves when told to, for tests and simulations. {@link #sleep(Duration)} moves
 * it forward (a retry backoff takes no real time); {@link #await} returns after at most one real
 * millisecond so that waiters re-check a clock someone else moved.
 */
public final class ManualGuardClock implements GuardClock {

	private final AtomicReference<Instant> now;

	public ManualGuardClock(Instant start) {
		this.now = new AtomicReference<>(start);
	}

	public ManualGuardClock() {
		this(Instant.parse("2026-01-05T10:00:00Z"));
	}

	@Override
	public Instant instant() {
		return this.now.get();
	}

	/** Moves the clock forward. */
	public ManualGuardClock advance(Duration duration) {
		if (duration.isNegative()) {
			throw new IllegalArgumentException("a clock only moves forward");
		}
		this.now.updateAndGet(t -> t.plus(duration));
		return this;
	}

	/** Sets the clock to an instant (forward only). */
	public ManualGuardClock set(Instant instant) {
		this.now.updateAndGet(t -> instant.isBefore(t) ? t : instant);
		return this;
	}

	@Override
	public void sleep(Duration duration) {
		if (!duration.isNegative()) {
			advance(duration);
		}
	}

	@Override
	public void await(Condition condition, Duration atMost) throws InterruptedException {
		if (!atMost.isNegative() && !atMost.isZero()) {
			condition.await(1, TimeUnit.MILLISECONDS);
		}
	}

}

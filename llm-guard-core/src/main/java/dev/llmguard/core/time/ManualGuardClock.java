package dev.llmguard.core.time;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Condition;

/**
 * A clock that only moves when told to, for tests and simulations. {@link #sleep(Duration)} moves
 * it forward (a retry backoff takes no real time), or, after {@link #waitingSleeps()}, waits until
 * someone else moved it past the pause; {@link #await} returns after at most one real millisecond so
 * that waiters re-check a clock someone else moved.
 */
public final class ManualGuardClock implements GuardClock {

	private final AtomicReference<Instant> now;

	private volatile boolean sleepsWait;

	/** Threads in {@link #sleep} while sleeps wait; guarded by this. */
	private int sleeping;

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
		wakeSleepers();
		return this;
	}

	/**
	 * Makes {@link #sleep} wait until the clock was moved past the pause's end (or the thread is
	 * interrupted) instead of moving the clock itself, so a test can act while a pause lasts.
	 */
	public ManualGuardClock waitingSleeps() {
		this.sleepsWait = true;
		return this;
	}

	/** How many threads are in {@link #sleep} now (always 0 unless {@link #waitingSleeps()}). */
	public synchronized int sleeping() {
		return this.sleeping;
	}

	private void wakeSleepers() {
		if (this.sleepsWait) {
			synchronized (this) {
				notifyAll();
			}
		}
	}

	/** Sets the clock to an instant (forward only). */
	public ManualGuardClock set(Instant instant) {
		this.now.updateAndGet(t -> instant.isBefore(t) ? t : instant);
		wakeSleepers();
		return this;
	}

	@Override
	public void sleep(Duration duration) throws InterruptedException {
		if (duration.isNegative()) {
			return;
		}
		if (!this.sleepsWait) {
			advance(duration);
			return;
		}
		Instant end = instant().plus(duration);
		synchronized (this) {
			this.sleeping++;
			try {
				while (instant().isBefore(end)) {
					wait();
				}
			}
			finally {
				this.sleeping--;
			}
		}
	}

	@Override
	public void await(Condition condition, Duration atMost) throws InterruptedException {
		if (!atMost.isNegative() && !atMost.isZero()) {
			condition.await(1, TimeUnit.MILLISECONDS);
		}
	}

}

package dev.llmguard.test.simulator;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A {@link Clock} that stands still until it is moved, so tests of rate windows move time instead
 * of sleeping. Thread-safe; clocks derived with {@link #withZone(ZoneId)} share the same instant.
 */
public final class ManualClock extends Clock {

	private final AtomicReference<Instant> instant;

	private final ZoneId zone;

	/**
	 * A clock that reads {@code 2026-01-01T00:00:00Z} until moved.
	 */
	public ManualClock() {
		this(Instant.parse("2026-01-01T00:00:00Z"));
	}

	/**
	 * A clock that reads the given instant until moved.
	 * @param start the first instant
	 */
	public ManualClock(Instant start) {
		this(new AtomicReference<>(Objects.requireNonNull(start, "start")), ZoneOffset.UTC);
	}

	private ManualClock(AtomicReference<Instant> instant, ZoneId zone) {
		this.instant = instant;
		this.zone = zone;
	}

	/**
	 * Moves the clock forward (or back, with a negative duration).
	 * @param duration how far to move
	 * @return the new instant
	 */
	public Instant advance(Duration duration) {
		Objects.requireNonNull(duration, "duration");
		return this.instant.updateAndGet((current) -> current.plus(duration));
	}

	/**
	 * Sets the clock to an instant.
	 * @param newInstant the instant to read from now on
	 */
	public void set(Instant newInstant) {
		this.instant.set(Objects.requireNonNull(newInstant, "newInstant"));
	}

	@Override
	public ZoneId getZone() {
		return this.zone;
	}

	@Override
	public Clock withZone(ZoneId newZone) {
		return new ManualClock(this.instant, newZone);
	}

	@Override
	public Instant instant() {
		return this.instant.get();
	}

	@Override
	public long millis() {
		return this.instant.get().toEpochMilli();
	}

}

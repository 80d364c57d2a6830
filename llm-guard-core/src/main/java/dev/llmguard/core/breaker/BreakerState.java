package dev.llmguard.core.breaker;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/**
 * A model's breaker as it stands.
 *
 * @param state closed, open or half-open
 * @param until when the open time ends ({@link State#OPEN}), else {@code null}
 * @param openFor the last open time, {@code null} when closed
 * @param recentFailures failures within the window (closed), else 0
 */
public record BreakerState(State state, Instant until, Duration openFor, int recentFailures) {

	/** A closed breaker that saw no recent failure. */
	public static final BreakerState CLOSED = new BreakerState(State.CLOSED, null, null, 0);

	/** A breaker's states. */
	public enum State {

		CLOSED, OPEN, HALF_OPEN, DISABLED;

		/** The name in events and endpoints: {@code closed}, {@code open}, {@code half-open}, {@code disabled}. */
		public String tag() {
			return name().toLowerCase(Locale.ROOT).replace('_', '-');
		}

	}

}

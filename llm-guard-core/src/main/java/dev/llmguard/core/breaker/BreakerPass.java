package dev.llmguard.core.breaker;

import java.time.Duration;
import java.time.Instant;

/**
 * What a model's breaker answered a call.
 *
 * @param kind whether the call passes, probes, or is refused
 * @param until when the breaker's open time ends ({@link Kind#OPEN}) or the probe's lease does
 * ({@link Kind#PROBE}, {@link Kind#PROBING}); {@code null} when closed
 * @param retryAfter for a refusal, how long until the breaker is worth asking again
 * @param token the probe's token ({@link Kind#PROBE}), else 0
 */
public record BreakerPass(Kind kind, Instant until, Duration retryAfter, long token) {

	/** The answer of a closed breaker. */
	public static final BreakerPass CLOSED = new BreakerPass(Kind.CLOSED, null, Duration.ZERO, 0);

	/** Whether the call may go to the model. */
	public boolean admitted() {
		return this.kind == Kind.CLOSED || this.kind == Kind.PROBE;
	}

	/** The kinds of answers. */
	public enum Kind {

		/** Closed: the call passes. */
		CLOSED,
		/** Half-open: the call passes as the one probe that decides. */
		PROBE,
		/** Open: refused until {@code until}. */
		OPEN,
		/** Half-open with a probe out: refused until the probe decides. */
		PROBING

	}

}

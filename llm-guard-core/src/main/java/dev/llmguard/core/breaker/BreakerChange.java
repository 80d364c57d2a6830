package dev.llmguard.core.breaker;

import java.time.Duration;
import java.time.Instant;

/**
 * What a counted failure did to a model's breaker.
 *
 * @param kind the change
 * @param until when the open time ends ({@code null} when still closed)
 * @param openFor the open time ({@code null} when still closed)
 * @param recentFailures failures within the window when still closed, else 0
 */
public record BreakerChange(Kind kind, Instant until, Duration openFor, int recentFailures) {

	/** The changes. */
	public enum Kind {

		/** Closed still: the failure was counted. */
		COUNTED,
		/** Closed to open: the window's failures reached the policy's count. */
		OPENED,
		/** Open: the failure pushed the end of the open time later. */
		EXTENDED,
		/** Open: the open time already ends later than the failure asks. */
		UNCHANGED,
		/** Half-open to open: the open time doubled (up to the cap, never shorter). */
		REOPENED

	}

}

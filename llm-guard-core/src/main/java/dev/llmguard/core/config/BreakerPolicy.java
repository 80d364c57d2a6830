package dev.llmguard.core.config;

import java.time.Duration;
import java.util.Objects;

/**
 * When a model's circuit breaker opens, and for how long.
 *
 * @param enabled whether the model has a breaker at all
 * @param failures how many failures within {@code window} open it (at least 1)
 * @param window the sliding window failures are counted in
 * @param openFor how long it opens the first time for a call outside a chain, or whose chain sets no
 * cooldown; a call of a chain opens it for the chain's cooldown
 * @param maxOpen the cap of a reopened breaker's open time, which doubles each time its half-open
 * probe fails; never shortens an open time already reached
 */
public record BreakerPolicy(boolean enabled, int failures, Duration window, Duration openFor, Duration maxOpen) {

	/** Five failures within a minute open a model for its chain's cooldown (60 s outside a chain), at most 10 min. */
	public static final BreakerPolicy DEFAULT = new BreakerPolicy(true, 5, Duration.ofSeconds(60),
			Duration.ofSeconds(60), Duration.ofMinutes(10));

	/** No breaker: every failure is only the call's own. */
	public static final BreakerPolicy DISABLED = new BreakerPolicy(false, DEFAULT.failures, DEFAULT.window,
			DEFAULT.openFor, DEFAULT.maxOpen);

	public BreakerPolicy {
		Objects.requireNonNull(window, "window");
		Objects.requireNonNull(openFor, "openFor");
		Objects.requireNonNull(maxOpen, "maxOpen");
		if (failures < 1) {
			throw new IllegalArgumentException("a breaker opens after at least 1 failure, was " + failures);
		}
		if (!positive(window) || !positive(openFor) || !positive(maxOpen)) {
			throw new IllegalArgumentException("a breaker's window, open-for and max-open must be longer than 0, were "
					+ window + ", " + openFor + " and " + maxOpen);
		}
	}

	private static boolean positive(Duration duration) {
		return !duration.isNegative() && !duration.isZero();
	}

}

package dev.llmguard.redis;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of the Redis backend ({@code llm.guard.redis.*}).
 *
 * @param keyPrefix every key starts with it ({@code key-prefix}, default {@code llm-guard})
 * @param onFailure what happens while Redis is unreachable ({@code on-failure}, default fail-open)
 * @param timeout longest wait for one Redis operation before it counts as a failure
 * ({@code timeout}, default 1s)
 * @param reservationLease how long a budget reservation is held without being renewed before it is
 * reclaimed as left behind by a crashed instance ({@code reservation-lease}, default 10m); the
 * instance running the call renews it while the call runs
 * @param idleTtl how long an entry of a budget without period ({@code period: none}) lives without
 * activity ({@code idle-ttl}, default 30d)
 * @param retryInterval how long the guard stops asking Redis after a failure before trying again
 * ({@code retry-interval}, default 1s)
 * @param concurrencyLease how long a {@code max-concurrent} slot is held without being renewed before
 * it comes back as left behind by a crashed instance ({@code concurrency-lease}, default 30s); the
 * instance running the call renews it while the call runs
 */
public record RedisGuardOptions(String keyPrefix, RedisFailureMode onFailure, Duration timeout,
		Duration reservationLease, Duration idleTtl, Duration retryInterval, Duration concurrencyLease) {

	/** The defaults. */
	public static final RedisGuardOptions DEFAULT = new RedisGuardOptions("llm-guard", RedisFailureMode.FAIL_OPEN,
			Duration.ofSeconds(1), Duration.ofMinutes(10), Duration.ofDays(30), Duration.ofSeconds(1),
			Duration.ofSeconds(30));

	/**
	 * The options without a concurrency lease of their own (the default one).
	 */
	public RedisGuardOptions(String keyPrefix, RedisFailureMode onFailure, Duration timeout,
			Duration reservationLease, Duration idleTtl, Duration retryInterval) {
		this(keyPrefix, onFailure, timeout, reservationLease, idleTtl, retryInterval, Duration.ofSeconds(30));
	}

	public RedisGuardOptions {
		Objects.requireNonNull(onFailure, "onFailure");
		RedisKeys.checkPrefix(keyPrefix);
		positive("timeout", timeout);
		positive("reservation-lease", reservationLease);
		positive("idle-ttl", idleTtl);
		positive("retry-interval", retryInterval);
		positive("concurrency-lease", concurrencyLease);
	}

	/**
	 * Whether a key prefix can be used: 1 to 64 printable ASCII characters without spaces or braces
	 * (braces are Redis Cluster hash tags).
	 * @param keyPrefix the prefix
	 * @return whether the backend accepts it
	 */
	public static boolean isValidKeyPrefix(String keyPrefix) {
		return RedisKeys.isValidPrefix(keyPrefix);
	}

	private static void positive(String name, Duration value) {
		if (value == null || value.isNegative() || value.isZero()) {
			throw new IllegalArgumentException("llm.guard.redis." + name + " must be a positive duration, was " + value);
		}
	}

	public RedisGuardOptions withKeyPrefix(String keyPrefix) {
		return new RedisGuardOptions(keyPrefix, this.onFailure, this.timeout, this.reservationLease, this.idleTtl,
				this.retryInterval, this.concurrencyLease);
	}

	public RedisGuardOptions withOnFailure(RedisFailureMode onFailure) {
		return new RedisGuardOptions(this.keyPrefix, onFailure, this.timeout, this.reservationLease, this.idleTtl,
				this.retryInterval, this.concurrencyLease);
	}

	public RedisGuardOptions withTimeout(Duration timeout) {
		return new RedisGuardOptions(this.keyPrefix, this.onFailure, timeout, this.reservationLease, this.idleTtl,
				this.retryInterval, this.concurrencyLease);
	}

	public RedisGuardOptions withReservationLease(Duration reservationLease) {
		return new RedisGuardOptions(this.keyPrefix, this.onFailure, this.timeout, reservationLease, this.idleTtl,
				this.retryInterval, this.concurrencyLease);
	}

	public RedisGuardOptions withConcurrencyLease(Duration concurrencyLease) {
		return new RedisGuardOptions(this.keyPrefix, this.onFailure, this.timeout, this.reservationLease, this.idleTtl,
				this.retryInterval, concurrencyLease);
	}

	public RedisGuardOptions withRetryInterval(Duration retryInterval) {
		return new RedisGuardOptions(this.keyPrefix, this.onFailure, this.timeout, this.reservationLease, this.idleTtl,
				retryInterval, this.concurrencyLease);
	}

}

package dev.llmguard.autoconfigure;

import java.time.Duration;

import dev.llmguard.redis.RedisFailureMode;
import dev.llmguard.redis.RedisGuardOptions;

/**
 * The Redis backend ({@code llm.guard.redis.*}), used when {@code llm.guard.backend=redis}. The
 * defaults are those of {@link RedisGuardOptions#DEFAULT}.
 */
public class RedisBackendProperties {

	/** Prefix of every Redis key llm-guard writes. */
	private String keyPrefix = "llm-guard";

	/**
	 * What a call does while Redis cannot be reached: 'fail-open' admits, counts and warns;
	 * 'fail-closed' rejects with a clear error.
	 */
	private RedisFailureMode onFailure = RedisFailureMode.FAIL_OPEN;

	/** Longest wait for one Redis operation before it counts as failed. */
	private Duration timeout = Duration.ofSeconds(1);

	/**
	 * How long a budget reservation stays held without being renewed: the instance running the call
	 * renews it while the call runs, so the reservations of an instance that crashed are reclaimed
	 * after this.
	 */
	private Duration reservationLease = Duration.ofMinutes(10);

	/** How long entries of budgets with period 'none' are kept while unused. */
	private Duration idleTtl = Duration.ofDays(30);

	/** After a failure, how long Redis is not asked again (the failure mode applies meanwhile). */
	private Duration retryInterval = Duration.ofSeconds(1);

	/**
	 * How long a providers.*.max-concurrent slot stays held without being renewed: slots are shared by
	 * every instance, the instance running the call renews its slot every quarter of this, so the slots
	 * of an instance that crashed come back after this. Must be longer than twice the timeout.
	 */
	private Duration concurrencyLease = Duration.ofSeconds(30);

	/**
	 * How often an instance looks for limits another instance changed at runtime (the actuator's
	 * llmguardlimits endpoint): a change reaches every instance within this.
	 */
	private Duration limitsRefresh = Duration.ofSeconds(1);

	public Duration getLimitsRefresh() {
		return this.limitsRefresh;
	}

	public void setLimitsRefresh(Duration limitsRefresh) {
		this.limitsRefresh = limitsRefresh;
	}

	public String getKeyPrefix() {
		return this.keyPrefix;
	}

	public void setKeyPrefix(String keyPrefix) {
		this.keyPrefix = keyPrefix;
	}

	public RedisFailureMode getOnFailure() {
		return this.onFailure;
	}

	public void setOnFailure(RedisFailureMode onFailure) {
		this.onFailure = onFailure;
	}

	public Duration getTimeout() {
		return this.timeout;
	}

	public void setTimeout(Duration timeout) {
		this.timeout = timeout;
	}

	public Duration getReservationLease() {
		return this.reservationLease;
	}

	public void setReservationLease(Duration reservationLease) {
		this.reservationLease = reservationLease;
	}

	public Duration getIdleTtl() {
		return this.idleTtl;
	}

	public void setIdleTtl(Duration idleTtl) {
		this.idleTtl = idleTtl;
	}

	public Duration getRetryInterval() {
		return this.retryInterval;
	}

	public void setRetryInterval(Duration retryInterval) {
		this.retryInterval = retryInterval;
	}

	public Duration getConcurrencyLease() {
		return this.concurrencyLease;
	}

	public void setConcurrencyLease(Duration concurrencyLease) {
		this.concurrencyLease = concurrencyLease;
	}

	/** These settings as the Redis backend's options. */
	RedisGuardOptions toOptions() {
		return new RedisGuardOptions(this.keyPrefix, this.onFailure, this.timeout, this.reservationLease,
				this.idleTtl, this.retryInterval, this.concurrencyLease);
	}

}

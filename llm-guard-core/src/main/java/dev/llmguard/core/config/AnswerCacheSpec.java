package dev.llmguard.core.config;

import java.time.Duration;
import java.util.Objects;

/**
 * A chain's cache of last answers: when every model of the chain failed, the last good answer for the
 * same key is returned before the chain's fallback response.
 *
 * @param ttl how long an answer is kept after it was stored
 * @param maxEntries how many answers the chain keeps at most (the oldest go first)
 * @param shareAcrossTenants whether a tenant may be answered another tenant's answer (the key then
 * leaves the tenant out)
 */
public record AnswerCacheSpec(Duration ttl, long maxEntries, boolean shareAcrossTenants) {

	/** Kept when no ttl is configured. */
	public static final Duration DEFAULT_TTL = Duration.ofMinutes(10);

	/** Kept when no max-entries is configured. */
	public static final long DEFAULT_MAX_ENTRIES = 1000;

	public AnswerCacheSpec {
		Objects.requireNonNull(ttl, "ttl");
		if (ttl.isZero() || ttl.isNegative()) {
			throw new IllegalArgumentException("a cached answer's ttl must be greater than 0, was " + ttl);
		}
		if (maxEntries <= 0) {
			throw new IllegalArgumentException("a chain's cache must keep at least 1 answer, was " + maxEntries);
		}
	}

}

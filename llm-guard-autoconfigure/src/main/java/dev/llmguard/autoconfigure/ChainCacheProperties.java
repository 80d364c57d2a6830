package dev.llmguard.autoconfigure;

import java.time.Duration;

import dev.llmguard.core.config.AnswerCacheSpec;

/**
 * A chain's cache of last answers ({@code llm.guard.chains.<name>.cache.*}): when every model of the
 * chain failed, the last good answer for the same key is returned, marked as cached, before the
 * chain's fallback response. Setting any key here turns it on.
 */
public class ChainCacheProperties {

	/** Whether the chain keeps its last answers; setting any other key under cache turns it on. */
	private boolean enabled = true;

	/** How long an answer is kept after the call that gave it (Redis expiry with the Redis backend). */
	private Duration ttl = AnswerCacheSpec.DEFAULT_TTL;

	/** How many answers the chain keeps at most, on each instance in memory, in all with Redis. */
	private long maxEntries = AnswerCacheSpec.DEFAULT_MAX_ENTRIES;

	/**
	 * Whether a tenant may be answered with another tenant's answer to the same key; by default the key
	 * includes the tenant.
	 */
	private boolean shareAcrossTenants;

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public Duration getTtl() {
		return this.ttl;
	}

	public void setTtl(Duration ttl) {
		this.ttl = ttl;
	}

	public long getMaxEntries() {
		return this.maxEntries;
	}

	public void setMaxEntries(long maxEntries) {
		this.maxEntries = maxEntries;
	}

	public boolean isShareAcrossTenants() {
		return this.shareAcrossTenants;
	}

	public void setShareAcrossTenants(boolean shareAcrossTenants) {
		this.shareAcrossTenants = shareAcrossTenants;
	}

	/** The core's view, or {@code null} when switched off. */
	AnswerCacheSpec toSpec() {
		return this.enabled ? new AnswerCacheSpec(this.ttl, this.maxEntries, this.shareAcrossTenants) : null;
	}

}

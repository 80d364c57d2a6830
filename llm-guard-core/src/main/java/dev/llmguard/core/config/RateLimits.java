package dev.llmguard.core.config;

/**
 * Declared limits of a provider or a model; {@code null} means no limit. Values are the provider's
 * declared numbers: headroom is applied when buckets are built.
 */
public record RateLimits(Long requestsPerMinute, Long tokensPerMinute, Long inputTokensPerMinute,
		Long outputTokensPerMinute, Long requestsPerDay, Long tokensPerDay) {

	public static final RateLimits NONE = new RateLimits(null, null, null, null, null, null);

	public boolean isEmpty() {
		return this.equals(NONE);
	}

}

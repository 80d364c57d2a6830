package dev.llmguard.core.limit;

import java.util.Map;

/**
 * The state of one provider's limits, for the actuator endpoint and gauges.
 *
 * @param provider the provider
 * @param limits provider-level buckets by limit name ({@code requests-per-minute}, …)
 * @param modelLimits model-level buckets: model name, then limit name
 * @param maxConcurrent concurrency cap, or {@code null}
 * @param inUse calls holding a concurrency slot
 * @param waiting calls waiting for capacity
 */
public record LimitSnapshot(String provider, Map<String, BucketLevel> limits,
		Map<String, Map<String, BucketLevel>> modelLimits, Integer maxConcurrent, int inUse, int waiting) {

	/**
	 * @param capacity capacity after headroom
	 * @param available tokens available now (negative while in debt)
	 */
	public record BucketLevel(long capacity, long available) {
	}

}

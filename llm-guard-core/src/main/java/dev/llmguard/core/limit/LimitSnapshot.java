package dev.llmguard.core.limit;

import java.time.Instant;
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
 * @param sources where each provider-level limit comes from, by limit name
 * @param modelSources where each model-level limit comes from: model name, then limit name
 */
public record LimitSnapshot(String provider, Map<String, BucketLevel> limits,
		Map<String, Map<String, BucketLevel>> modelLimits, Integer maxConcurrent, int inUse, int waiting,
		Map<String, LimitSource> sources, Map<String, Map<String, LimitSource>> modelSources) {

	/** A snapshot without sources. */
	public LimitSnapshot(String provider, Map<String, BucketLevel> limits,
			Map<String, Map<String, BucketLevel>> modelLimits, Integer maxConcurrent, int inUse, int waiting) {
		this(provider, limits, modelLimits, maxConcurrent, inUse, waiting, Map.of(), Map.of());
	}

	/**
	 * @param capacity what the bucket holds: the declared limit after headroom, or the learned limit when
	 * that is lower; 0 while a limit to learn is not known yet
	 * @param available tokens available now (negative while in debt)
	 */
	public record BucketLevel(long capacity, long available) {
	}

	/**
	 * Where a limit comes from.
	 * @param declared the declared limit, or {@code null} when none was declared
	 * @param learned the limit the provider reported, or {@code null} when it reported none
	 * @param reportedRemaining what the provider reported remaining last, or {@code null}
	 * @param reportedAt when it reported that, or {@code null}
	 */
	public record LimitSource(Long declared, Long learned, Long reportedRemaining, Instant reportedAt) {


	}

}

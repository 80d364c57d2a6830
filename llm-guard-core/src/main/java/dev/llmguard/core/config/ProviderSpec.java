package dev.llmguard.core.config;

import java.time.Duration;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Map;

/**
 * A configured provider.
 *
 * @param name provider name
 * @param baseUrl base URL whose HTTP calls are guarded, or {@code null}
 * @param limits provider-level limits
 * @param maxConcurrent concurrent calls allowed, or {@code null} for no cap
 * @param maxWait how long a call may wait for capacity
 * @param models models by name
 * @param limitsMode whether limits are declared, learned from the provider's answers, or both
 * @param quotaZone the zone in which the provider's daily quotas reset (a spent quota without a reset
 * header is closed until the next midnight there)
 */
public record ProviderSpec(String name, String baseUrl, RateLimits limits, Integer maxConcurrent, Duration maxWait,
		Map<String, ModelSpec> models, LimitsMode limitsMode, ZoneId quotaZone) {

	public ProviderSpec {
		if (limits == null) {
			limits = RateLimits.NONE;
		}
		if (limitsMode == null) {
			limitsMode = LimitsMode.DECLARED;
		}
		if (quotaZone == null) {
			quotaZone = ZoneOffset.UTC;
		}
		models = Map.copyOf(models);
	}

	/** A provider with declared limits (lowered by what its answers report) and daily quotas in UTC. */
	public ProviderSpec(String name, String baseUrl, RateLimits limits, Integer maxConcurrent, Duration maxWait,
			Map<String, ModelSpec> models) {
		this(name, baseUrl, limits, maxConcurrent, maxWait, models, LimitsMode.DECLARED, ZoneOffset.UTC);
	}

	/** A copy with another limits mode. */
	public ProviderSpec withLimitsMode(LimitsMode mode) {
		return new ProviderSpec(this.name, this.baseUrl, this.limits, this.maxConcurrent, this.maxWait, this.models,
				mode, this.quotaZone);
	}

}

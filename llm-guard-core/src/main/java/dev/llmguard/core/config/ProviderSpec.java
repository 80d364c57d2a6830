package dev.llmguard.core.config;

import java.time.Duration;
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
 */
public record ProviderSpec(String name, String baseUrl, RateLimits limits, Integer maxConcurrent, Duration maxWait,
		Map<String, ModelSpec> models) {

	public ProviderSpec {
		if (limits == null) {
			limits = RateLimits.NONE;
		}
		models = Map.copyOf(models);
	}

}

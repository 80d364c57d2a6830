package dev.llmguard.core.config;

import java.time.Duration;
import java.util.List;

import dev.llmguard.core.model.ModelRef;

/**
 * A fallback chain: models tried in order.
 *
 * @param name chain name
 * @param models the models, most preferred first
 * @param cooldown how long a rate-limited or overloaded model is skipped
 * @param fallbackResponse the last answer when every model failed, or {@code null}
 * @param cache the cache of last answers, tried before the fallback response when every model failed,
 * or {@code null} for none
 */
public record ChainSpec(String name, List<ModelRef> models, Duration cooldown, String fallbackResponse,
		AnswerCacheSpec cache) {

	public ChainSpec {
		models = List.copyOf(models);
	}

	/** A chain without a cache of last answers. */
	public ChainSpec(String name, List<ModelRef> models, Duration cooldown, String fallbackResponse) {
		this(name, models, cooldown, fallbackResponse, null);
	}

}

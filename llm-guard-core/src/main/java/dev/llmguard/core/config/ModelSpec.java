package dev.llmguard.core.config;

import dev.llmguard.core.model.ModelRef;

/**
 * A configured model.
 *
 * @param ref provider and name
 * @param price configured price, or {@code null} to use the built-in or default price
 * @param contextWindow context window in tokens, or {@code null} when unknown
 * @param maxOutputTokens the model's default output allowance, or {@code null} for the global default
 * @param limits model-level limits inside the provider's
 */
public record ModelSpec(ModelRef ref, ModelPrice price, Integer contextWindow, Integer maxOutputTokens,
		RateLimits limits) {

	public ModelSpec {
		if (limits == null) {
			limits = RateLimits.NONE;
		}
	}

}

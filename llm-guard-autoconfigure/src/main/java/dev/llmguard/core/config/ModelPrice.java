package dev.llmguard.core.config;

import java.math.BigDecimal;
import java.util.Objects;

/**
 * Prices of a model in USD per one million tokens.
 *
 * @param input price of input tokens
 * @param cachedInput price of input tokens served from the provider's cache (defaults to {@code input})
 * @param output price of output tokens
 */
public record ModelPrice(BigDecimal input, BigDecimal cachedInput, BigDecimal output) {

	public ModelPrice {
		Objects.requireNonNull(input, "input");
		Objects.requireNonNull(output, "output");
		if (cachedInput == null) {
			cachedInput = input;
		}
	}

	public static ModelPrice of(String input, String cachedInput, String output) {
		return new ModelPrice(new BigDecimal(input), (cachedInput != null) ? new BigDecimal(cachedInput) : null,
				new BigDecimal(output));
	}

}

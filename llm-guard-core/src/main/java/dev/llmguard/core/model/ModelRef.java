package dev.llmguard.core.model;

import java.util.Objects;

/**
 * A model of a provider, written {@code provider/model} (for example {@code openai/gpt-4o}).
 *
 * @param provider the configured provider name
 * @param model the model name as the provider knows it
 */
public record ModelRef(String provider, String model) {

	public ModelRef {
		Objects.requireNonNull(provider, "provider");
		Objects.requireNonNull(model, "model");
	}

	/**
	 * Parses {@code provider/model}.
	 * @param value the text
	 * @return the reference
	 * @throws IllegalArgumentException when the text is not of that form
	 */
	public static ModelRef parse(String value) {
		int slash = (value != null) ? value.indexOf('/') : -1;
		if (slash <= 0 || slash == value.length() - 1) {
			throw new IllegalArgumentException(
					"'" + value + "' is not a model reference: write it as provider/model, for example openai/gpt-4o");
		}
		return new ModelRef(value.substring(0, slash).trim(), value.substring(slash + 1).trim());
	}

	@Override
	public String toString() {
		return this.provider + "/" + this.model;
	}

}

package dev.llmguard.core;

/**
 * Tokens one call used, as reported by the provider or estimated.
 *
 * @param inputTokens prompt tokens, cached ones included
 * @param outputTokens completion tokens
 * @param cachedInputTokens the part of the input tokens served from the provider's cache
 */
public record Usage(long inputTokens, long outputTokens, long cachedInputTokens) {

	public static final Usage ZERO = new Usage(0, 0, 0);

	public Usage {
		if (inputTokens < 0 || outputTokens < 0 || cachedInputTokens < 0) {
			throw new IllegalArgumentException("token counts cannot be negative: input=" + inputTokens + ", output="
					+ outputTokens + ", cachedInput=" + cachedInputTokens);
		}
		if (cachedInputTokens > inputTokens) {
			cachedInputTokens = inputTokens;
		}
	}

	public Usage(long inputTokens, long outputTokens) {
		this(inputTokens, outputTokens, 0);
	}

	public long totalTokens() {
		return this.inputTokens + this.outputTokens;
	}

}

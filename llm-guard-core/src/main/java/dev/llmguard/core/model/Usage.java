package dev.llmguard.core.model;

/**
 * Tokens one call used, as reported by the provider or estimated.
 * <p>
 * {@code inputTokens} is the whole prompt, however the provider billed its parts: OpenAI's
 * {@code prompt_tokens} already include cache reads, Anthropic's {@code input_tokens} leave out cache
 * reads and cache writes, which are then added. The parts billed at other prices are counted inside it:
 * cache reads, and cache writes (a provider's prompt cache being filled, billed above the input price
 * by Anthropic), of which some may have been written with the one-hour lifetime.
 *
 * @param inputTokens prompt tokens, cache reads and cache writes included
 * @param outputTokens completion tokens
 * @param cachedInputTokens the part of the input tokens served from the provider's cache
 * @param cacheWriteInputTokens the part of the input tokens written to the provider's cache
 * @param cacheWrite1hInputTokens the part of the cache writes kept for one hour rather than the
 * default five minutes (billed higher)
 */
public record Usage(long inputTokens, long outputTokens, long cachedInputTokens, long cacheWriteInputTokens,
		long cacheWrite1hInputTokens) {

	public static final Usage ZERO = new Usage(0, 0, 0);

	public Usage {
		if (inputTokens < 0 || outputTokens < 0 || cachedInputTokens < 0 || cacheWriteInputTokens < 0
				|| cacheWrite1hInputTokens < 0) {
			throw new IllegalArgumentException("token counts cannot be negative: input=" + inputTokens + ", output="
					+ outputTokens + ", cachedInput=" + cachedInputTokens + ", cacheWriteInput="
					+ cacheWriteInputTokens + ", cacheWrite1hInput=" + cacheWrite1hInputTokens);
		}
		// the parts never exceed the whole
		cachedInputTokens = Math.min(cachedInputTokens, inputTokens);
		cacheWriteInputTokens = Math.min(cacheWriteInputTokens, inputTokens - cachedInputTokens);
		cacheWrite1hInputTokens = Math.min(cacheWrite1hInputTokens, cacheWriteInputTokens);
	}

	public Usage(long inputTokens, long outputTokens, long cachedInputTokens) {
		this(inputTokens, outputTokens, cachedInputTokens, 0, 0);
	}

	public Usage(long inputTokens, long outputTokens) {
		this(inputTokens, outputTokens, 0);
	}

	public long totalTokens() {
		return this.inputTokens + this.outputTokens;
	}

	/**
	 * Input tokens billed at the plain input price: neither read from nor written to the cache.
	 * @return the uncached input tokens
	 */
	public long uncachedInputTokens() {
		return this.inputTokens - this.cachedInputTokens - this.cacheWriteInputTokens;
	}

	/**
	 * The usage of two rounds of one call together.
	 * @param other the other round's usage
	 * @return every count added up
	 */
	public Usage plus(Usage other) {
		return new Usage(Math.addExact(this.inputTokens, other.inputTokens),
				Math.addExact(this.outputTokens, other.outputTokens),
				Math.addExact(this.cachedInputTokens, other.cachedInputTokens),
				Math.addExact(this.cacheWriteInputTokens, other.cacheWriteInputTokens),
				Math.addExact(this.cacheWrite1hInputTokens, other.cacheWrite1hInputTokens));
	}

}

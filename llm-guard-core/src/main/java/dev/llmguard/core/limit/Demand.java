package dev.llmguard.core.limit;

/**
 * What one call asks of the buckets before it runs.
 *
 * @param inputTokens estimated input tokens
 * @param outputTokens output allowance (max output tokens)
 */
public record Demand(long inputTokens, long outputTokens) {

	public Demand {
		if (inputTokens < 0 || outputTokens < 0) {
			throw new IllegalArgumentException("demand cannot be negative");
		}
	}

	public long totalTokens() {
		return this.inputTokens + this.outputTokens;
	}

}

package dev.llmguard.test.simulator;

import java.util.List;

/**
 * A deterministic answer, one token per piece.
 *
 * @param id the response id
 * @param created when it was created, in epoch seconds of the simulator's clock
 * @param pieces the answer's pieces, one token each
 * @param truncated whether the request's max tokens cut it short
 * @param promptTokens the prompt tokens of the request, cached ones included
 * @param cacheReadTokens the prompt tokens read from the prompt cache
 * @param cacheWriteTokens the prompt tokens written to the prompt cache
 * @param oneHourCache whether the cache write is kept an hour
 */
record Answer(String id, long created, List<String> pieces, boolean truncated, int promptTokens, int cacheReadTokens,
		int cacheWriteTokens, boolean oneHourCache) {

	Answer(String id, long created, List<String> pieces, boolean truncated, int promptTokens) {
		this(id, created, pieces, truncated, promptTokens, 0, 0, false);
	}

	/** The prompt tokens neither read from nor written to the cache. */
	int uncachedPromptTokens() {
		return this.promptTokens - this.cacheReadTokens - this.cacheWriteTokens;
	}

	String text() {
		return String.join("", this.pieces);
	}

	int tokens() {
		return this.pieces.size();
	}

}

package dev.llmguard.test.simulator;

import java.util.List;

/**
 * A deterministic answer, one token per piece.
 *
 * @param id the response id
 * @param created when it was created, in epoch seconds of the simulator's clock
 * @param pieces the answer's pieces, one token each
 * @param truncated whether the request's max tokens cut it short
 * @param promptTokens the prompt tokens of the request
 */
record Answer(String id, long created, List<String> pieces, boolean truncated, int promptTokens) {

	String text() {
		return String.join("", this.pieces);
	}

	int tokens() {
		return this.pieces.size();
	}

}

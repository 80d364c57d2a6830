package dev.llmguard.reactive;

import dev.llmguard.core.model.Usage;

/**
 * Reads the elements of a guarded stream for settlement: the text they carry (to estimate output
 * tokens when the provider reports none) and the usage a final chunk may report.
 */
public interface ChunkReader {

	/** Reads {@link CharSequence} elements as text and finds no usage. */
	ChunkReader TEXT = new ChunkReader() {
	};

	/**
	 * @param chunk a streamed element, never {@code null}
	 * @return its text, or {@code null} when it carries none this reader knows
	 */
	default String text(Object chunk) {
		return (chunk instanceof CharSequence text) ? text.toString() : null;
	}

	/**
	 * @param chunk a streamed element, never {@code null}
	 * @return the usage it reports, or {@code null}
	 */
	default Usage usage(Object chunk) {
		return null;
	}

}

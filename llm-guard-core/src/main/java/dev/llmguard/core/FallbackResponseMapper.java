package dev.llmguard.core;

/**
 * Turns a configured fallback response (text) into the caller's result type, and a chain's cached last
 * answer too ({@link #cached}).
 */
@FunctionalInterface
public interface FallbackResponseMapper<T> {

	/** A mapper for callers that cannot use a text answer. */
	static <T> FallbackResponseMapper<T> none() {
		return text -> null;
	}

	/**
	 * @param text the configured fallback response
	 * @return the result, or {@code null} when the text cannot stand for this result type
	 */
	T map(String text);

	/**
	 * Turns the chain's cached last answer into the result type, marked as cached where the type can
	 * say so (a Spring AI response's metadata); by default as {@link #map} does.
	 * @param text the last good answer for the same key
	 * @return the result, or {@code null} when the text cannot stand for this result type
	 */
	default T cached(String text) {
		return map(text);
	}

}

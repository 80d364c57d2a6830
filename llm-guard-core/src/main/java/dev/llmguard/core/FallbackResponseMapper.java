package dev.llmguard.core;

/** Turns a configured fallback response (text) into the caller's result type. */
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

}

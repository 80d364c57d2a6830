package dev.llmguard.core;

/**
 * Reads the answer text of a call's result, which a chain with a cache keeps as its last good answer
 * (a Spring AI {@code ChatResponse}'s text, …). Text results ({@link CharSequence}) are read without one.
 */
@FunctionalInterface
public interface AnswerExtractor {

	/**
	 * @param result what the guarded operation returned, never {@code null}
	 * @return the answer text, or {@code null} when this extractor does not know the result or it holds
	 * no text answer (a request for tool calls)
	 */
	String answer(Object result);

}

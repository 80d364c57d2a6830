package dev.llmguard.core.token;

/** Estimates the tokens of prompt text before a call. */
@FunctionalInterface
public interface TokenEstimator {

	/**
	 * @param text the text, may be {@code null}
	 * @return the estimated number of tokens, 0 for {@code null} or empty text
	 */
	long estimate(String text);

}

package dev.llmguard.sample.chat;

import java.math.BigDecimal;

import com.fasterxml.jackson.annotation.JsonValue;

/**
 * The answer of {@code POST /api/chat}.
 *
 * @param model the model that answered, or {@code null} when no model did (a fallback)
 * @param content the answer
 * @param usage tokens the provider reported
 * @param costUsd what the call cost, exact
 * @param fallback {@code false} when a model answered, {@code true} for the chain's fallback response,
 * {@code "cached"} for the chain's cached last answer to the same prompt
 */
public record ChatAnswer(String model, String content, TokenUsage usage, BigDecimal costUsd, Fallback fallback) {

	static ChatAnswer fallbackResponse(String text) {
		return new ChatAnswer(null, text, new TokenUsage(0, 0), BigDecimal.ZERO, Fallback.RESPONSE);
	}

	static ChatAnswer cachedAnswer(String text) {
		return new ChatAnswer(null, text, new TokenUsage(0, 0), BigDecimal.ZERO, Fallback.CACHED);
	}

	/**
	 * @param inputTokens prompt tokens
	 * @param outputTokens completion tokens
	 */
	public record TokenUsage(long inputTokens, long outputTokens) {
	}

	/**
	 * Whether a fallback answered, written as JSON {@code false}, {@code true} or {@code "cached"}: clients
	 * that test the member for truth keep working, and {@code "cached"} tells the cached last answer apart.
	 */
	public enum Fallback {

		/** A model answered. */
		NONE(false),

		/** The chain's fallback response answered. */
		RESPONSE(true),

		/** The chain's cached last answer to the same prompt answered. */
		CACHED("cached");

		private final Object json;

		Fallback(Object json) {
			this.json = json;
		}

		@JsonValue
		Object json() {
			return this.json;
		}

	}

}

package dev.llmguard.sample.chat;

import java.math.BigDecimal;

/**
 * The answer of {@code POST /api/chat}.
 *
 * @param model the model that answered, or {@code null} for the chain's fallback response
 * @param content the answer
 * @param usage tokens the provider reported
 * @param costUsd what the call cost, exact
 * @param fallback whether the chain's fallback response answered because no model could
 */
public record ChatAnswer(String model, String content, TokenUsage usage, BigDecimal costUsd, boolean fallback) {

	static ChatAnswer fallbackResponse(String text) {
		return new ChatAnswer(null, text, new TokenUsage(0, 0), BigDecimal.ZERO, true);
	}

	/**
	 * @param inputTokens prompt tokens
	 * @param outputTokens completion tokens
	 */
	public record TokenUsage(long inputTokens, long outputTokens) {
	}

}

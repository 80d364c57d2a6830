package dev.llmguard.springai;

import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;

import dev.llmguard.core.AnswerExtractor;

/**
 * Reads the answer text of a Spring AI {@link ChatResponse} (or the {@code ChatClientResponse} around
 * one), which a chain with a cache keeps as its last good answer. A response asking for tool calls
 * holds no answer yet.
 */
public final class SpringAiAnswerExtractor implements AnswerExtractor {

	@Override
	public String answer(Object result) {
		ChatResponse response = SpringAiUsageExtractor.chatResponseOf(result);
		Generation generation = (response != null) ? response.getResult() : null;
		AssistantMessage output = (generation != null) ? generation.getOutput() : null;
		if (output == null || output.hasToolCalls()) {
			return null;
		}
		return output.getText();
	}

}

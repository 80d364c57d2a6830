package dev.llmguard.springai;

import java.util.List;

import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.metadata.ChatResponseMetadata;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;

/**
 * Answers the guard gives in place of a model's, as Spring AI responses. A chain's cached last answer
 * is marked in the response's metadata ({@link #FALLBACK} = {@link #CACHED}) and, for a
 * {@code ChatClientResponse}, in its context too: test it with {@link #isCached(ChatResponse)} on
 * {@code response.chatResponse()}.
 */
public final class GuardAnswers {

	/** Metadata key (and {@code ChatClientResponse} context key) of an answer the guard gave itself. */
	public static final String FALLBACK = "llm-guard.fallback";

	/** Value of {@link #FALLBACK} for the chain's cached last answer. */
	public static final String CACHED = "cached";

	private GuardAnswers() {
	}

	/** Whether a response is a chain's cached last answer, given because every model failed. */
	public static boolean isCached(ChatResponse response) {
		return response != null && response.getMetadata() != null
				&& CACHED.equals(response.getMetadata().get(FALLBACK));
	}

	/** A response carrying a fallback text. */
	static ChatResponse fallbackResponse(String text) {
		return new ChatResponse(List.of(new Generation(new AssistantMessage(text))));
	}

	/** A response carrying a chain's cached last answer, marked as such. */
	public static ChatResponse cachedChatResponse(String text) {
		return new ChatResponse(List.of(new Generation(new AssistantMessage(text))),
				ChatResponseMetadata.builder().keyValue(FALLBACK, CACHED).build());
	}

}

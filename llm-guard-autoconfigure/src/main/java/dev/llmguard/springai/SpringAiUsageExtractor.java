package dev.llmguard.springai;

import org.springframework.ai.chat.client.ChatClientResponse;
import org.springframework.ai.chat.metadata.ChatResponseMetadata;
import org.springframework.ai.chat.metadata.EmptyUsage;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.util.ClassUtils;

import dev.llmguard.core.Usage;
import dev.llmguard.core.UsageExtractor;

/**
 * Reads the usage a provider reported from a Spring AI {@link ChatResponse} (or the
 * {@link ChatClientResponse} around one): prompt, completion and cache-read tokens. A response
 * without usage ({@link EmptyUsage}, or zero tokens both ways, as in the chunks of a stream before the
 * last) answers {@code null}, so the guard falls back to its estimate.
 */
public final class SpringAiUsageExtractor implements UsageExtractor {

	// spring-ai-client-chat is optional next to spring-ai-model
	private static final boolean CHAT_CLIENT_PRESENT = ClassUtils.isPresent(
			"org.springframework.ai.chat.client.ChatClientResponse", SpringAiUsageExtractor.class.getClassLoader());

	@Override
	public Usage extract(Object result) {
		ChatResponse response = chatResponseOf(result);
		return (response != null) ? usageOf(response) : null;
	}

	/** The chat response in a result, or {@code null} when the result is not one Spring AI knows. */
	static ChatResponse chatResponseOf(Object result) {
		if (result instanceof ChatResponse response) {
			return response;
		}
		return CHAT_CLIENT_PRESENT ? ChatClientSupport.chatResponseOf(result) : null;
	}

	private static Usage usageOf(ChatResponse response) {
		ChatResponseMetadata metadata = response.getMetadata();
		org.springframework.ai.chat.metadata.Usage usage = (metadata != null) ? metadata.getUsage() : null;
		if (usage == null || usage instanceof EmptyUsage) {
			return null;
		}
		long input = nonNegative(usage.getPromptTokens());
		long output = nonNegative(usage.getCompletionTokens());
		if (input == 0 && output == 0) {
			return null;
		}
		Long cached = usage.getCacheReadInputTokens();
		return new Usage(input, output, (cached != null) ? Math.max(0, cached) : 0);
	}

	private static long nonNegative(Integer tokens) {
		return (tokens != null) ? Math.max(0, tokens) : 0;
	}

	/** Keeps the reference to spring-ai-client-chat in a class loaded only when it is present. */
	private static final class ChatClientSupport {

		static ChatResponse chatResponseOf(Object result) {
			return (result instanceof ChatClientResponse response) ? response.chatResponse() : null;
		}

	}

}

package dev.llmguard.springai;

import org.springframework.ai.chat.client.ChatClientResponse;
import org.springframework.ai.chat.metadata.ChatResponseMetadata;
import org.springframework.ai.chat.metadata.EmptyUsage;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.util.ClassUtils;

import dev.llmguard.core.UsageExtractor;
import dev.llmguard.core.model.Usage;

/**
 * Reads the usage a provider reported from a Spring AI {@link ChatResponse} (or the
 * {@link ChatClientResponse} around one): prompt, completion, cache-read and cache-write tokens. A
 * response without usage ({@link EmptyUsage}, or zero tokens both ways, as in the chunks of a stream
 * before the last) answers {@code null}, so the guard falls back to its estimate.
 * <p>
 * Providers count prompt tokens two ways. OpenAI's (and Gemini's) include the cache reads. Anthropic's
 * {@code input_tokens}, which Spring AI reports as prompt tokens, leave out both cache reads and cache
 * writes, and so do the other APIs that bill cache writes: a usage from Anthropic's SDK, or one that
 * reports cache writes, has them added to its prompt tokens.
 */
public final class SpringAiUsageExtractor implements UsageExtractor {

	// spring-ai-client-chat is optional next to spring-ai-model
	private static final boolean CHAT_CLIENT_PRESENT = ClassUtils.isPresent(
			"org.springframework.ai.chat.client.ChatClientResponse", SpringAiUsageExtractor.class.getClassLoader());

	// Anthropic's SDK comes with spring-ai-anthropic only
	private static final boolean ANTHROPIC_SDK_PRESENT = ClassUtils.isPresent("com.anthropic.models.messages.Usage",
			SpringAiUsageExtractor.class.getClassLoader());

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
		long prompt = nonNegative(usage.getPromptTokens());
		long output = nonNegative(usage.getCompletionTokens());
		long cacheRead = nonNegative(usage.getCacheReadInputTokens());
		long cacheWrite = nonNegative(usage.getCacheWriteInputTokens());
		Object nativeUsage = usage.getNativeUsage();
		boolean anthropic = ANTHROPIC_SDK_PRESENT && AnthropicSupport.isAnthropic(nativeUsage);
		// prompt tokens without the cache: Anthropic's convention, and that of every API reporting cache writes
		long input = (anthropic || usage.getCacheWriteInputTokens() != null)
				? Math.addExact(prompt, Math.addExact(cacheRead, cacheWrite)) : prompt;
		if (input == 0 && output == 0) {
			return null;
		}
		long oneHourWrites = anthropic ? AnthropicSupport.oneHourCacheWrites(nativeUsage) : 0;
		return new Usage(input, output, cacheRead, cacheWrite, oneHourWrites);
	}

	private static long nonNegative(Integer tokens) {
		return (tokens != null) ? Math.max(0, tokens) : 0;
	}

	private static long nonNegative(Long tokens) {
		return (tokens != null) ? Math.max(0, tokens) : 0;
	}

	/** Keeps the references to Anthropic's SDK in a class loaded only when it is present. */
	private static final class AnthropicSupport {

		static boolean isAnthropic(Object nativeUsage) {
			return nativeUsage instanceof com.anthropic.models.messages.Usage
					|| nativeUsage instanceof com.anthropic.models.messages.MessageDeltaUsage;
		}

		/**
		 * The cache writes kept for one hour, which only a whole message's usage splits out ({@code
		 * cache_creation.ephemeral_1h_input_tokens}); a stream's final delta does not.
		 */
		static long oneHourCacheWrites(Object nativeUsage) {
			if (nativeUsage instanceof com.anthropic.models.messages.Usage usage) {
				return usage.cacheCreation().map((creation) -> Math.max(0, creation.ephemeral1hInputTokens())).orElse(0L);
			}
			return 0;
		}

	}

	/** Keeps the reference to spring-ai-client-chat in a class loaded only when it is present. */
	private static final class ChatClientSupport {

		static ChatResponse chatResponseOf(Object result) {
			return (result instanceof ChatClientResponse response) ? response.chatResponse() : null;
		}

	}

}

package dev.llmguard.annotation;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import org.springframework.ai.chat.client.ChatClientResponse;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.util.ClassUtils;

import dev.llmguard.springai.GuardAnswers;

/**
 * Everything the annotation support knows about Spring AI, in one class that is only loaded when
 * Spring AI is on the class path (callers check {@link #isPresent} first).
 */
final class SpringAiSupport {

	private static final String CHAT_RESPONSE = "org.springframework.ai.chat.model.ChatResponse";

	private static final String CHAT_CLIENT_RESPONSE = "org.springframework.ai.chat.client.ChatClientResponse";

	private static final boolean CHAT_CLIENT_PRESENT = ClassUtils.isPresent(CHAT_CLIENT_RESPONSE,
			SpringAiSupport.class.getClassLoader());

	private SpringAiSupport() {
	}

	static boolean isPresent(ClassLoader classLoader) {
		return ClassUtils.isPresent(CHAT_RESPONSE, classLoader);
	}

	static PromptTextExtractor promptTextExtractor() {
		return new SpringAiPromptTextExtractor();
	}

	/**
	 * How to turn a fallback text into a value of the given type.
	 * @return the conversion, or {@code null} when the type is no Spring AI response
	 */
	static Function<String, Object> fallbackFactory(Class<?> type) {
		if (type.isAssignableFrom(ChatResponse.class)) {
			return SpringAiSupport::chatResponse;
		}
		if (CHAT_CLIENT_PRESENT && ChatClientSupport.isChatClientResponse(type)) {
			return ChatClientSupport::chatClientResponse;
		}
		return null;
	}

	/**
	 * How to turn a chain's cached last answer into a value of the given type, marked as cached.
	 * @return the conversion, or {@code null} when the type is no Spring AI response
	 */
	static Function<String, Object> cachedFactory(Class<?> type) {
		if (type.isAssignableFrom(ChatResponse.class)) {
			return GuardAnswers::cachedChatResponse;
		}
		if (CHAT_CLIENT_PRESENT && ChatClientSupport.isChatClientResponse(type)) {
			return ChatClientSupport::cachedChatClientResponse;
		}
		return null;
	}

	static ChatResponse chatResponse(String text) {
		return new ChatResponse(List.of(new Generation(new AssistantMessage(text))));
	}

	/** The text of a streamed Spring AI chunk, or {@code null}. */
	static String chunkText(Object chunk) {
		ChatResponse response = (chunk instanceof ChatResponse r) ? r : null;
		if (response == null && CHAT_CLIENT_PRESENT) {
			response = ChatClientSupport.chatResponseOf(chunk);
		}
		if (response == null || response.getResult() == null || response.getResult().getOutput() == null) {
			return null;
		}
		return response.getResult().getOutput().getText();
	}

	/** Reads Spring AI prompts: a {@link Prompt}, a {@link Message} or a collection of messages. */
	private static final class SpringAiPromptTextExtractor implements PromptTextExtractor {

		@Override
		public String text(Object argument) {
			if (argument instanceof Prompt prompt) {
				return prompt.getContents();
			}
			if (argument instanceof Message message) {
				return message.getText();
			}
			if (argument instanceof Collection<?> collection && !collection.isEmpty()) {
				StringBuilder text = new StringBuilder();
				for (Object element : collection) {
					if (!(element instanceof Message message)) {
						return null; // not a conversation
					}
					if (message.getText() != null) {
						text.append(message.getText()).append('\n');
					}
				}
				return text.toString();
			}
			return null;
		}

		@Override
		public Integer maxOutputTokens(Object argument) {
			if (argument instanceof Prompt prompt) {
				ChatOptions options = prompt.getOptions();
				return (options != null) ? options.getMaxTokens() : null;
			}
			return null;
		}

	}

	/** Keeps references to spring-ai-client-chat, which is optional next to spring-ai-model. */
	private static final class ChatClientSupport {

		static boolean isChatClientResponse(Class<?> type) {
			return type == ChatClientResponse.class;
		}

		static Object chatClientResponse(String text) {
			return new ChatClientResponse(chatResponse(text), Map.of());
		}

		static Object cachedChatClientResponse(String text) {
			return new ChatClientResponse(GuardAnswers.cachedChatResponse(text),
					Map.of(GuardAnswers.FALLBACK, GuardAnswers.CACHED));
		}

		static ChatResponse chatResponseOf(Object chunk) {
			return (chunk instanceof ChatClientResponse response) ? response.chatResponse() : null;
		}

	}

}

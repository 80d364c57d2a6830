package dev.llmguard.springai;

import java.util.Map;

/**
 * The provider a Spring AI chat model talks to, known from its class: each of Spring AI's model
 * classes maps to the conventional name of its provider under {@code llm.guard.providers}. Classes
 * are matched by name (and their superclasses), so no provider module is needed on the class path.
 */
final class ChatModelProviders {

	/** Spring AI's chat model classes and the conventional names of their providers. */
	static final Map<String, String> CONVENTIONAL = Map.of(
			"org.springframework.ai.openai.OpenAiChatModel", "openai",
			"org.springframework.ai.anthropic.AnthropicChatModel", "anthropic",
			"org.springframework.ai.google.genai.GoogleGenAiChatModel", "google-genai",
			"org.springframework.ai.ollama.OllamaChatModel", "ollama",
			"org.springframework.ai.azure.openai.AzureOpenAiChatModel", "azure-openai",
			"org.springframework.ai.mistralai.MistralAiChatModel", "mistral",
			"org.springframework.ai.deepseek.DeepSeekChatModel", "deepseek",
			"org.springframework.ai.bedrock.converse.BedrockProxyChatModel", "bedrock");

	private ChatModelProviders() {
	}

	/** The conventional provider of a chat model class, or {@code null} for a class Spring AI does not ship. */
	static String conventional(Class<?> type) {
		for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
			String provider = CONVENTIONAL.get(c.getName());
			if (provider != null) {
				return provider;
			}
		}
		return null;
	}

}

package dev.llmguard.autoconfigure;

import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.client.ChatClientBuilderCustomizer;
import org.springframework.ai.chat.client.advisor.api.CallAdvisor;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.llmguard.core.LlmGuardEngine;
import dev.llmguard.http.WebClientErrorClassifier;
import dev.llmguard.springai.AnthropicSdkErrorClassifier;
import dev.llmguard.springai.ChatModelGuardPostProcessor;
import dev.llmguard.springai.GoogleGenAiErrorClassifier;
import dev.llmguard.springai.GuardedToolsAdvisor;
import dev.llmguard.springai.LlmGuardAdvisor;
import dev.llmguard.springai.LlmGuardChatModels;
import dev.llmguard.springai.LlmGuardChatClientCustomizer;
import dev.llmguard.springai.OpenAiSdkErrorClassifier;
import dev.llmguard.springai.SpringAiErrorClassifier;
import dev.llmguard.springai.SpringAiUsageExtractor;
import dev.llmguard.springai.SpringAiAnswerExtractor;
import dev.llmguard.springai.ToolCallbackGuardPostProcessor;

/**
 * Guards Spring AI: every {@code ChatModel} bean under the provider it talks to
 * ({@link LlmGuardChatModels}), the {@link LlmGuardAdvisor} and {@link GuardedToolsAdvisor} on every
 * {@code ChatClient.Builder} and tool limits on tool beans ({@code llm.guard.spring-ai.enabled}), and,
 * whatever that switch says, the classifiers and usage extractor that teach the engine Spring AI's
 * answers and the errors of the OpenAI, Anthropic and Google GenAI SDKs, each when its SDK is present
 * (they also serve {@code @RateLimitedLlm} methods).
 */
@AutoConfiguration(afterName = "dev.llmguard.autoconfigure.LlmGuardAutoConfiguration")
@ConditionalOnClass(name = "org.springframework.ai.chat.model.ChatResponse")
@ConditionalOnBean(LlmGuardEngine.class)
public final class LlmGuardSpringAiAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	SpringAiUsageExtractor springAiUsageExtractor() {
		return new SpringAiUsageExtractor();
	}

	@Bean
	@ConditionalOnMissingBean
	SpringAiAnswerExtractor springAiAnswerExtractor() {
		return new SpringAiAnswerExtractor();
	}

	@Bean
	@ConditionalOnMissingBean
	SpringAiErrorClassifier springAiErrorClassifier() {
		return new SpringAiErrorClassifier();
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "com.openai.errors.OpenAIServiceException")
	static final class OpenAiSdkConfiguration {

		@Bean
		@ConditionalOnMissingBean
		OpenAiSdkErrorClassifier openAiSdkErrorClassifier() {
			return new OpenAiSdkErrorClassifier();
		}

	}

	/** Spring AI models built on WebClient (Ollama's streams, for one) fail with its exception. */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "org.springframework.web.reactive.function.client.WebClientResponseException")
	static final class WebClientConfiguration {

		@Bean
		@ConditionalOnMissingBean
		WebClientErrorClassifier webClientErrorClassifier() {
			return new WebClientErrorClassifier();
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "com.anthropic.errors.AnthropicServiceException")
	static final class AnthropicSdkConfiguration {

		@Bean
		@ConditionalOnMissingBean
		AnthropicSdkErrorClassifier anthropicSdkErrorClassifier() {
			return new AnthropicSdkErrorClassifier();
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "com.google.genai.errors.ApiException")
	static final class GoogleGenAiConfiguration {

		@Bean
		@ConditionalOnMissingBean
		GoogleGenAiErrorClassifier googleGenAiErrorClassifier() {
			return new GoogleGenAiErrorClassifier();
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass({ ChatClient.class, CallAdvisor.class, ChatClientBuilderCustomizer.class })
	@ConditionalOnProperty(prefix = "llm.guard.spring-ai", name = "enabled", matchIfMissing = true)
	static final class ChatClientConfiguration {

		@Bean
		@ConditionalOnMissingBean
		LlmGuardAdvisor llmGuardAdvisor(LlmGuardEngine engine) {
			return new LlmGuardAdvisor(engine);
		}

		@Bean
		@ConditionalOnMissingBean
		GuardedToolsAdvisor llmGuardToolsAdvisor(LlmGuardEngine engine) {
			return new GuardedToolsAdvisor(engine);
		}

		@Bean
		@ConditionalOnMissingBean
		LlmGuardChatClientCustomizer llmGuardChatClientCustomizer(LlmGuardAdvisor advisor,
				GuardedToolsAdvisor toolsAdvisor) {
			return new LlmGuardChatClientCustomizer(advisor, toolsAdvisor);
		}

		@Bean
		@ConditionalOnMissingBean
		LlmGuardChatModels llmGuardChatModels(ObjectProvider<LlmGuardEngine> engine,
				ObjectProvider<LlmGuardChatClientCustomizer> customizer, ObjectProvider<LlmGuardProperties> properties) {
			return new LlmGuardChatModels(engine, customizer, chatModelBeans(properties.getIfAvailable()));
		}

		@Bean
		static ChatModelGuardPostProcessor llmGuardChatModelPostProcessor(ObjectProvider<LlmGuardChatModels> models) {
			return new ChatModelGuardPostProcessor(models);
		}

		@Bean
		ChatModelsValidator llmGuardChatModelsValidator(ListableBeanFactory beanFactory, LlmGuardChatModels models,
				ObjectProvider<LlmGuardProperties> properties, LlmGuardEngine engine) {
			return new ChatModelsValidator(beanFactory, models, chatModelBeans(properties.getIfAvailable()), engine);
		}

		private static Map<String, String> chatModelBeans(LlmGuardProperties properties) {
			Map<String, String> beans = new LinkedHashMap<>();
			if (properties != null) {
				properties.getProviders().forEach((name, provider) -> {
					if (provider.getChatModel() != null && !provider.getChatModel().isBlank()) {
						beans.put(name, provider.getChatModel().trim());
					}
				});
			}
			return beans;
		}

		@Bean
		@ConditionalOnMissingBean
		static ToolCallbackGuardPostProcessor llmGuardToolCallbackPostProcessor(
				ObjectProvider<LlmGuardEngine> engine) {
			return new ToolCallbackGuardPostProcessor(engine);
		}

	}

}

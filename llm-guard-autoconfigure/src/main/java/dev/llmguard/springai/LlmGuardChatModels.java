package dev.llmguard.springai;

import java.lang.reflect.Modifier;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.aop.framework.ProxyFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.util.ClassUtils;

import dev.llmguard.core.LlmGuardContext;
import dev.llmguard.core.LlmGuardEngine;

/**
 * The application's chat models, each guarded under the provider it talks to, and the one-liner that
 * gives the client of the provider the guard chose for the current call:
 * <pre>{@code
 * @RateLimitedLlm(chain = "default")
 * String answer(String question) {
 *     return models.chatClient().prompt(question).call().content(); // the chosen provider's client
 * }
 * }</pre>
 * <p>
 * <b>Which provider.</b> A {@code ChatModel} bean named by {@code llm.guard.providers.<name>.chat-model}
 * belongs to that provider. Any other bean of one of Spring AI's model classes belongs to the
 * conventional provider of its class when that provider is configured and names no chat-model of its
 * own: {@code OpenAiChatModel} openai, {@code AnthropicChatModel} anthropic, {@code GoogleGenAiChatModel}
 * google-genai, {@code OllamaChatModel} ollama, {@code AzureOpenAiChatModel} azure-openai,
 * {@code MistralAiChatModel} mistral, {@code DeepSeekChatModel} deepseek, {@code BedrockProxyChatModel}
 * bedrock. The provider never comes from a model name. Other beans are left unguarded.
 * <p>
 * Each such bean is replaced by a {@link GuardedChatModel} proxy: a subclass where the model's class
 * allows one, else a proxy of its interfaces (Spring AI's model classes are final, so inject them as
 * {@code ChatModel}, by bean name or {@code @Qualifier}).
 */
public final class LlmGuardChatModels {

	private static final Logger logger = LoggerFactory.getLogger(LlmGuardChatModels.class);

	private final ObjectProvider<LlmGuardEngine> engine;

	private final ObjectProvider<LlmGuardChatClientCustomizer> customizer;

	/** Provider by the chat-model bean name configured for it. */
	private final Map<String, String> providerByBean;

	// one entry per configured provider at most
	private final Map<String, GuardedChatModel> byProvider = new ConcurrentHashMap<>();

	private final Map<String, ChatClient> clients = new ConcurrentHashMap<>();

	private volatile ChatPrompts prompts;

	/**
	 * @param engine looked up on first use
	 * @param customizer adds llm-guard's advisors to {@link #chatClient()}'s clients, when present
	 * @param chatModelBeans the chat-model bean name of each provider that configures one
	 */
	public LlmGuardChatModels(ObjectProvider<LlmGuardEngine> engine,
			ObjectProvider<LlmGuardChatClientCustomizer> customizer, Map<String, String> chatModelBeans) {
		this.engine = Objects.requireNonNull(engine, "engine");
		this.customizer = Objects.requireNonNull(customizer, "customizer");
		Map<String, String> byBean = new LinkedHashMap<>();
		chatModelBeans.forEach((provider, bean) -> byBean.put(bean, provider));
		this.providerByBean = byBean;
	}

	/**
	 * The chat model of the provider the current guarded call chose ({@link LlmGuardContext#current()}).
	 * @throws IllegalStateException outside a guarded call, or when no chat model talks to that provider
	 */
	public ChatModel chatModel() {
		return chatModel(LlmGuardContext.current().provider());
	}

	/**
	 * The guarded chat model of a provider.
	 * @throws IllegalStateException when no chat model bean talks to that provider
	 */
	public ChatModel chatModel(String provider) {
		GuardedChatModel model = this.byProvider.get(provider);
		if (model == null) {
			throw new IllegalStateException("No ChatModel bean talks to provider '" + provider + "'; chat models are "
					+ "known for " + new TreeSet<>(this.byProvider.keySet()) + ". Set llm.guard.providers." + provider
					+ ".chat-model to the bean name of its ChatModel");
		}
		return model;
	}

	/**
	 * A {@code ChatClient} on the chat model of the provider the current guarded call chose, with
	 * llm-guard's advisors.
	 * @throws IllegalStateException outside a guarded call, or when no chat model talks to that provider
	 */
	public ChatClient chatClient() {
		return chatClient(LlmGuardContext.current().provider());
	}

	/** A {@code ChatClient} on the guarded chat model of a provider, with llm-guard's advisors. */
	public ChatClient chatClient(String provider) {
		ChatModel model = chatModel(provider);
		return this.clients.computeIfAbsent(provider, name -> {
			ChatClient.Builder builder = ChatClient.builder(model);
			LlmGuardChatClientCustomizer advisors = this.customizer.getIfAvailable();
			if (advisors != null) {
				advisors.customize(builder);
			}
			return builder.build();
		});
	}

	/** The providers that have a guarded chat model. */
	public Set<String> providers() {
		return Set.copyOf(this.byProvider.keySet());
	}

	/**
	 * Guards a chat model bean under its provider.
	 * @return the guarded proxy, or the bean itself when it belongs to no configured provider
	 */
	Object guard(ChatModel model, String beanName) {
		if (model instanceof GuardedChatModel) {
			return model;
		}
		String provider = providerOf(model, beanName);
		if (provider == null) {
			logger.debug("llm-guard: ChatModel bean '{}' belongs to no configured provider; not guarded", beanName);
			return model;
		}
		GuardedChatModel guarded = proxy(model, provider);
		if (this.byProvider.putIfAbsent(provider, guarded) != null) {
			logger.info("llm-guard: ChatModel bean '{}' is guarded under provider '{}', whose chains go through "
					+ "an earlier bean; set llm.guard.providers.<name>.chat-model to tell accounts apart", beanName,
					provider);
		}
		logger.debug("llm-guard: ChatModel bean '{}' is guarded under provider '{}'", beanName, provider);
		return guarded;
	}

	private String providerOf(ChatModel model, String beanName) {
		String configured = this.providerByBean.get(beanName);
		if (configured != null) {
			return configured;
		}
		String conventional = ChatModelProviders.conventional(model.getClass());
		LlmGuardEngine guard = engine();
		if (conventional != null && guard != null && guard.settings().providers().containsKey(conventional)
				&& !this.providerByBean.containsValue(conventional)) {
			return conventional;
		}
		return null;
	}

	private GuardedChatModel proxy(ChatModel model, String provider) {
		ProxyFactory factory = new ProxyFactory(model);
		Class<?> type = model.getClass();
		// a subclass keeps injection by the concrete type working; Spring AI's own model classes are final
		factory.setProxyTargetClass(!Modifier.isFinal(type.getModifiers()) && !type.isAnonymousClass()
				&& !type.isSynthetic());
		if (!factory.isProxyTargetClass()) {
			factory.setInterfaces(ClassUtils.getAllInterfacesForClass(type, type.getClassLoader()));
		}
		factory.addInterface(GuardedChatModel.class);
		factory.addAdvice(new ChatModelGuard(model, provider, this));
		return (GuardedChatModel) factory.getProxy(type.getClassLoader());
	}

	/** The unguarded chat model of a provider, to send a request the guard admitted. */
	ChatModel unguarded(String provider) {
		return ((GuardedChatModel) chatModel(provider)).unguarded();
	}

	LlmGuardEngine engine() {
		return this.engine.getIfAvailable();
	}

	ChatPrompts prompts() {
		ChatPrompts current = this.prompts;
		if (current == null) {
			current = new ChatPrompts(this.engine.getObject());
			this.prompts = current;
		}
		return current;
	}

}

package dev.llmguard.autoconfigure;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.ai.chat.model.ChatModel;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;

import dev.llmguard.core.LlmGuardEngine;
import dev.llmguard.core.config.ChainSpec;
import dev.llmguard.core.config.ProviderSpec;
import dev.llmguard.core.model.ModelRef;
import dev.llmguard.springai.LlmGuardChatModels;

/**
 * Checks, once the singletons exist, that every {@code llm.guard.providers.<name>.chat-model} names a
 * {@code ChatModel} bean (start-up fails otherwise), and warns about chains naming a provider that no
 * client can reach: neither a guarded chat model nor a base-url.
 */
final class ChatModelsValidator implements SmartInitializingSingleton {

	private static final Logger logger = LoggerFactory.getLogger(ChatModelsValidator.class);

	private final ListableBeanFactory beanFactory;

	private final LlmGuardChatModels models;

	private final Map<String, String> chatModelBeans;

	private final LlmGuardEngine engine;

	ChatModelsValidator(ListableBeanFactory beanFactory, LlmGuardChatModels models, Map<String, String> chatModelBeans,
			LlmGuardEngine engine) {
		this.beanFactory = beanFactory;
		this.models = models;
		this.chatModelBeans = chatModelBeans;
		this.engine = engine;
	}

	@Override
	public void afterSingletonsInstantiated() {
		this.chatModelBeans.forEach((provider, bean) -> {
			String key = "llm.guard.providers." + provider + ".chat-model";
			String action = "Set it to the name of a ChatModel bean; the ChatModel beans are "
					+ List.of(this.beanFactory.getBeanNamesForType(ChatModel.class, true, false));
			if (!this.beanFactory.containsBean(bean)) {
				throw new InvalidLlmGuardConfigurationException(key, bean, "There is no bean named '" + bean + "'",
						action);
			}
			if (!this.beanFactory.isTypeMatch(bean, ChatModel.class)) {
				throw new InvalidLlmGuardConfigurationException(key, bean, "Bean '" + bean + "' is not a ChatModel",
						action);
			}
			this.beanFactory.getBean(bean); // a lazy bean is guarded now, so that chains reach it
		});
		List<String> unreachable = unreachableChainProviders();
		if (!unreachable.isEmpty()) {
			logger.warn("llm-guard: chains name providers with neither a ChatModel bean nor a base-url, so no client "
					+ "can send their requests: " + unreachable + ". Add the provider's Spring AI starter, set "
					+ "llm.guard.providers.<name>.chat-model, or set its base-url for RestClient calls");
		}
	}

	private List<String> unreachableChainProviders() {
		List<String> unreachable = new ArrayList<>();
		for (ChainSpec chain : this.engine.settings().chains().values()) {
			for (ModelRef model : chain.models()) {
				ProviderSpec spec = this.engine.settings().providers().get(model.provider());
				boolean hasUrl = spec != null && spec.baseUrl() != null && !spec.baseUrl().isBlank();
				String entry = chain.name() + ": " + model.provider();
				if (!hasUrl && !this.models.providers().contains(model.provider()) && !unreachable.contains(entry)) {
					unreachable.add(entry);
				}
			}
		}
		return unreachable;
	}

}

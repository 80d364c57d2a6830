package dev.llmguard.springai;

import java.util.Objects;

import org.springframework.ai.chat.model.ChatModel;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;

/**
 * Guards every {@code ChatModel} bean under the provider it talks to (see {@link LlmGuardChatModels}),
 * so that the auto-configured {@code ChatClient.Builder}, {@code ChatClient.create(model)},
 * {@code ChatClient.builder(model)} and direct {@code call}/{@code stream} are all guarded.
 */
public final class ChatModelGuardPostProcessor implements BeanPostProcessor {

	private final ObjectProvider<LlmGuardChatModels> models;

	/** @param models looked up on first use, so that the guard is not created while post-processors are */
	public ChatModelGuardPostProcessor(ObjectProvider<LlmGuardChatModels> models) {
		this.models = Objects.requireNonNull(models, "models");
	}

	@Override
	public Object postProcessAfterInitialization(Object bean, String beanName) {
		if (bean instanceof ChatModel model && !(bean instanceof GuardedChatModel)) {
			LlmGuardChatModels registry = this.models.getIfAvailable();
			return (registry != null) ? registry.guard(model, beanName) : bean;
		}
		return bean;
	}

}

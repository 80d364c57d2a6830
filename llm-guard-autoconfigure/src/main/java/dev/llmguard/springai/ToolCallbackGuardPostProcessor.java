package dev.llmguard.springai;

import java.util.Objects;

import org.springframework.ai.tool.ToolCallback;
import org.springframework.ai.tool.resolution.ToolCallbackResolver;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;

import dev.llmguard.core.LlmGuardEngine;

/**
 * Puts tool beans behind their {@code llm.guard.tools.*} limits: a {@link ToolCallback} bean whose
 * tool name has a limit becomes a {@link GuardedToolCallback}, and every {@link ToolCallbackResolver}
 * bean guards what it resolves. {@code ToolCallbackProvider} beans are left as they are (their
 * concrete types are injected, and some connect to servers when asked for their tools); their tools
 * are guarded where they are used, by {@link GuardedToolsAdvisor} and the resolver.
 */
public final class ToolCallbackGuardPostProcessor implements BeanPostProcessor {

	private final ObjectProvider<LlmGuardEngine> engine;

	/** @param engine looked up on first use, so that the guard is not created while post-processors are */
	public ToolCallbackGuardPostProcessor(ObjectProvider<LlmGuardEngine> engine) {
		this.engine = Objects.requireNonNull(engine, "engine");
	}

	@Override
	public Object postProcessAfterInitialization(Object bean, String beanName) {
		if (bean instanceof GuardedToolCallback || bean instanceof GuardedToolCallbackResolver) {
			return bean;
		}
		if (bean instanceof ToolCallback tool) {
			LlmGuardEngine guard = this.engine.getIfAvailable();
			return (guard != null) ? GuardedToolCallback.guard(tool, guard) : bean;
		}
		if (bean instanceof ToolCallbackResolver resolver) {
			LlmGuardEngine guard = this.engine.getIfAvailable();
			return (guard != null) ? new GuardedToolCallbackResolver(resolver, guard) : bean;
		}
		return bean;
	}

}

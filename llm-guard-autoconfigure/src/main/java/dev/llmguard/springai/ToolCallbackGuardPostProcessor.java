package dev.llmguard.springai;

import java.util.Objects;

import org.springframework.ai.tool.ToolCallback;
import org.springframework.ai.tool.ToolCallbackProvider;
import org.springframework.ai.tool.resolution.ToolCallbackResolver;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;

import dev.llmguard.core.LlmGuardEngine;

/**
 * Puts tool beans behind their {@code llm.guard.tools.*} limits: a {@link ToolCallback} bean whose
 * tool name has a limit becomes a {@link GuardedToolCallback}, every {@link ToolCallbackResolver}
 * bean guards what it resolves, and every {@link ToolCallbackProvider} bean (Spring AI's MCP client
 * tools among them) answers guarded tools, asked for them only when the application asks. Tools
 * given per request are guarded by {@link GuardedToolsAdvisor}.
 */
public final class ToolCallbackGuardPostProcessor implements BeanPostProcessor {

	private final ObjectProvider<LlmGuardEngine> engine;

	/** @param engine looked up on first use, so that the guard is not created while post-processors are */
	public ToolCallbackGuardPostProcessor(ObjectProvider<LlmGuardEngine> engine) {
		this.engine = Objects.requireNonNull(engine, "engine");
	}

	@Override
	public Object postProcessAfterInitialization(Object bean, String beanName) {
		if (bean instanceof GuardedToolCallback || bean instanceof GuardedToolCallbackResolver
				|| GuardedToolCallbackProviders.isGuarded(bean)) {
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
		if (bean instanceof ToolCallbackProvider provider) {
			LlmGuardEngine guard = this.engine.getIfAvailable();
			// without any tool limit there is nothing to guard: the provider stays as it is
			return (guard != null && !guard.settings().tools().isEmpty())
					? GuardedToolCallbackProviders.guard(provider, guard) : bean;
		}
		return bean;
	}

}

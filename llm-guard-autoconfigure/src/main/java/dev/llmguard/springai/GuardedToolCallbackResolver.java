package dev.llmguard.springai;

import java.util.Objects;

import org.springframework.ai.tool.ToolCallback;
import org.springframework.ai.tool.resolution.ToolCallbackResolver;

import dev.llmguard.core.LlmGuardEngine;

/**
 * A {@link ToolCallbackResolver} whose resolved tools count against their {@code llm.guard.tools.*}
 * limits: covers tools Spring AI finds by name (tool beans, functions) rather than in the request.
 */
public final class GuardedToolCallbackResolver implements ToolCallbackResolver {

	private final ToolCallbackResolver delegate;

	private final LlmGuardEngine engine;

	public GuardedToolCallbackResolver(ToolCallbackResolver delegate, LlmGuardEngine engine) {
		this.delegate = Objects.requireNonNull(delegate, "delegate");
		this.engine = Objects.requireNonNull(engine, "engine");
	}

	@Override
	public ToolCallback resolve(String toolName) {
		return GuardedToolCallback.guard(this.delegate.resolve(toolName), this.engine);
	}

}

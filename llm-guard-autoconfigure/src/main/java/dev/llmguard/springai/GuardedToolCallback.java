package dev.llmguard.springai;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import org.springframework.ai.chat.model.ToolContext;
import org.springframework.ai.tool.ToolCallback;
import org.springframework.ai.tool.definition.ToolDefinition;
import org.springframework.ai.tool.metadata.ToolMetadata;

import dev.llmguard.core.LlmGuardEngine;
import dev.llmguard.core.ToolLimitExceededException;

/**
 * A Spring AI tool whose calls count against its {@code llm.guard.tools.<name>} limit. While the tool
 * is limited it answers its {@code fallback-response} to the model, so the conversation goes on; a
 * tool without a fallback response throws {@link ToolLimitExceededException}.
 */
public final class GuardedToolCallback implements ToolCallback {

	private final ToolCallback delegate;

	private final LlmGuardEngine engine;

	private final String name;

	private GuardedToolCallback(ToolCallback delegate, LlmGuardEngine engine) {
		this.delegate = delegate;
		this.engine = engine;
		this.name = delegate.getToolDefinition().name();
	}

	/**
	 * Guards a tool when a limit is configured for its name.
	 * @param tool the tool
	 * @param engine the guard
	 * @return the guarded tool, or {@code tool} itself when it has no limit or is guarded already
	 */
	public static ToolCallback guard(ToolCallback tool, LlmGuardEngine engine) {
		Objects.requireNonNull(engine, "engine");
		if (tool == null || tool instanceof GuardedToolCallback
				|| !engine.tools().isLimited(tool.getToolDefinition().name())) {
			return tool;
		}
		return new GuardedToolCallback(tool, engine);
	}

	/**
	 * Guards the tools that have a configured limit.
	 * @return {@code tools} itself when none needs guarding, else a new list
	 */
	public static List<ToolCallback> guardAll(List<ToolCallback> tools, LlmGuardEngine engine) {
		if (tools == null || tools.isEmpty()) {
			return tools;
		}
		List<ToolCallback> guarded = new ArrayList<>(tools.size());
		boolean changed = false;
		for (ToolCallback tool : tools) {
			ToolCallback g = guard(tool, engine);
			changed |= (g != tool);
			guarded.add(g);
		}
		return changed ? guarded : tools;
	}

	/** The tool this one guards. */
	public ToolCallback getDelegate() {
		return this.delegate;
	}

	@Override
	public ToolDefinition getToolDefinition() {
		return this.delegate.getToolDefinition();
	}

	@Override
	public ToolMetadata getToolMetadata() {
		return this.delegate.getToolMetadata();
	}

	@Override
	public String call(String toolInput) {
		String refused = checkLimit();
		return (refused != null) ? refused : this.delegate.call(toolInput);
	}

	@Override
	public String call(String toolInput, ToolContext toolContext) {
		String refused = checkLimit();
		return (refused != null) ? refused : this.delegate.call(toolInput, toolContext);
	}

	/** @return the fallback answer when the tool is limited, {@code null} when the call may run */
	private String checkLimit() {
		return this.engine.toolFallback(this.name, (text) -> text);
	}

	@Override
	public String toString() {
		return "GuardedToolCallback[" + this.name + "]";
	}

}

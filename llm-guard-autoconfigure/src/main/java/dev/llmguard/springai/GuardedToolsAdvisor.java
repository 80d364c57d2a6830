package dev.llmguard.springai;

import java.util.List;
import java.util.Objects;

import reactor.core.publisher.Flux;

import org.springframework.ai.chat.client.ChatClientRequest;
import org.springframework.ai.chat.client.ChatClientResponse;
import org.springframework.ai.chat.client.advisor.ToolCallingAdvisor;
import org.springframework.ai.chat.client.advisor.api.CallAdvisor;
import org.springframework.ai.chat.client.advisor.api.CallAdvisorChain;
import org.springframework.ai.chat.client.advisor.api.StreamAdvisor;
import org.springframework.ai.chat.client.advisor.api.StreamAdvisorChain;
import org.springframework.ai.model.tool.ToolCallingChatOptions;
import org.springframework.ai.tool.ToolCallback;

import dev.llmguard.core.LlmGuardEngine;

/**
 * Puts the request's tools that have a {@code llm.guard.tools.*} limit behind
 * {@link GuardedToolCallback}: tools given per request ({@code .tools(...)}, {@code .toolCallbacks(...)})
 * and the builder's default tools alike, since Spring AI merges them into the request's options.
 * <p>
 * It runs just before (outside) Spring AI's {@link ToolCallingAdvisor}, which executes the tools with
 * the options it received; an advisor inside its loop could not change them.
 */
public final class GuardedToolsAdvisor implements CallAdvisor, StreamAdvisor {

	/** The default order: just outside {@link ToolCallingAdvisor#DEFAULT_ORDER}. */
	public static final int DEFAULT_ORDER = ToolCallingAdvisor.DEFAULT_ORDER - 1;

	private final LlmGuardEngine engine;

	private final int order;

	public GuardedToolsAdvisor(LlmGuardEngine engine) {
		this(engine, DEFAULT_ORDER);
	}

	/**
	 * @param engine the guard
	 * @param order keep it below the {@code ToolCallingAdvisor}'s order
	 */
	public GuardedToolsAdvisor(LlmGuardEngine engine, int order) {
		this.engine = Objects.requireNonNull(engine, "engine");
		this.order = order;
	}

	@Override
	public String getName() {
		return "GuardedToolsAdvisor";
	}

	@Override
	public int getOrder() {
		return this.order;
	}

	@Override
	public ChatClientResponse adviseCall(ChatClientRequest request, CallAdvisorChain chain) {
		return chain.nextCall(guardTools(request));
	}

	@Override
	public Flux<ChatClientResponse> adviseStream(ChatClientRequest request, StreamAdvisorChain chain) {
		return Flux.defer(() -> chain.nextStream(guardTools(request)));
	}

	private ChatClientRequest guardTools(ChatClientRequest request) {
		if (!(request.prompt().getOptions() instanceof ToolCallingChatOptions options)) {
			return request;
		}
		List<ToolCallback> tools = options.getToolCallbacks();
		List<ToolCallback> guarded = GuardedToolCallback.guardAll(tools, this.engine);
		if (guarded == tools) {
			return request;
		}
		return ChatOptionsSupport.withOptions(request, options.mutate().toolCallbacks(guarded).build());
	}

}

package dev.llmguard.springai;

import java.util.Objects;

import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.client.ChatClientBuilderCustomizer;

/**
 * Adds llm-guard's advisors to a {@code ChatClient.Builder}: {@link LlmGuardAdvisor} (each model
 * request) and {@link GuardedToolsAdvisor} (tool limits).
 */
public final class LlmGuardChatClientCustomizer implements ChatClientBuilderCustomizer {

	private final LlmGuardAdvisor advisor;

	private final GuardedToolsAdvisor toolsAdvisor;

	public LlmGuardChatClientCustomizer(LlmGuardAdvisor advisor, GuardedToolsAdvisor toolsAdvisor) {
		this.advisor = Objects.requireNonNull(advisor, "advisor");
		this.toolsAdvisor = Objects.requireNonNull(toolsAdvisor, "toolsAdvisor");
	}

	@Override
	public void customize(ChatClient.Builder builder) {
		builder.defaultAdvisors(this.advisor, this.toolsAdvisor);
	}

}

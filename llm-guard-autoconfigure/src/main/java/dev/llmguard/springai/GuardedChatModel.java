package dev.llmguard.springai;

import org.springframework.ai.chat.model.ChatModel;

/**
 * A chat model that llm-guard guards: every {@code call} and {@code stream}, however it is reached
 * (a {@code ChatClient} or the model itself), is one guarded call under {@link #provider()}. Every
 * {@code ChatModel} bean of a configured provider is one (see {@link LlmGuardChatModels}).
 */
public interface GuardedChatModel extends ChatModel {

	/** The provider under {@code llm.guard.providers} this model talks to. */
	String provider();

	/** The model itself, unguarded. */
	ChatModel unguarded();

}

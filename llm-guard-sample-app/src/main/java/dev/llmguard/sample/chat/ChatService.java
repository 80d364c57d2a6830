package dev.llmguard.sample.chat;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.llmguard.core.CallRequest;
import dev.llmguard.core.LlmGuard;
import dev.llmguard.core.LlmGuardEngine;
import dev.llmguard.core.config.ChainSpec;
import dev.llmguard.sample.SampleProperties;

import org.springframework.stereotype.Service;

/**
 * Answers chat prompts through the guard's programmatic API, which takes the request's priority.
 */
@Service
public class ChatService {

	private static final String INSTRUCTIONS = "You are the friendly assistant of an outdoor gear shop. Answer briefly.";

	private final LlmGuard guard;

	private final AssistantModel model;

	private final SampleProperties.Chat settings;

	ChatService(LlmGuard guard, AssistantModel model, SampleProperties properties) {
		this.guard = guard;
		this.model = model;
		this.settings = properties.chat();
	}

	/**
	 * Answers a prompt on the first model of the chain that can take it.
	 * @param request a validated request
	 * @return the answer, or when the providers failed the chain's last good answer to the same prompt,
	 * else its fallback response
	 * @throws dev.llmguard.core.LlmGuardException when the guard refuses the call
	 */
	public ChatAnswer chat(ChatRequest request) {
		CallRequest call = this.guard.request()
			.chain(this.settings.chain())
			.tenant(request.tenant())
			.session(request.session())
			.priority(request.priorityOrDefault())
			.prompt(request.prompt())
			.maxOutputTokens(this.settings.maxOutputTokens())
			.build();
		AtomicBoolean providerAsked = new AtomicBoolean();
		return this.guard.call(call, (context) -> {
			providerAsked.set(true);
			AssistantModel.Reply reply = this.model.complete(context, INSTRUCTIONS, request.prompt());
			if (reply.cached()) {
				// every model failed: the chain's last good answer to the same prompt (and tenant) stood in
				return ChatAnswer.cachedAnswer(reply.content());
			}
			return new ChatAnswer(reply.model(), reply.content(),
					new ChatAnswer.TokenUsage(reply.usage().inputTokens(), reply.usage().outputTokens()),
					reply.costUsd(), ChatAnswer.Fallback.NONE);
		}, (text) -> answersWithFallback(providerAsked.get()) ? ChatAnswer.fallbackResponse(text) : null);
	}

	/**
	 * The chain's fallback response stands in when the providers failed (a model was asked, or every
	 * model is cooling down after failing). When the guard itself refused, because this app is out of
	 * its own rate or context budget, the client gets that refusal (429 with Retry-After) instead: it
	 * tells the client when to come back, which a canned answer would hide.
	 */
	private boolean answersWithFallback(boolean providerAsked) {
		if (providerAsked) {
			return true;
		}
		LlmGuardEngine engine = this.guard.engine();
		ChainSpec chain = engine.settings().chains().get(this.settings.chain());
		Instant now = engine.clock().instant();
		return chain != null && chain.models().stream().allMatch((m) -> engine.cooldowns().cooldownUntil(m, now) != null);
	}

}

package dev.llmguard.autoconfigure;

import org.springframework.beans.factory.BeanNotOfRequiredTypeException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.Ordered;

import dev.llmguard.springai.GuardedChatModel;

/**
 * Explains a chat model injected by its concrete class after llm-guard guarded it: Spring AI's own
 * model classes are final, so the guard is a proxy of their interfaces, and Spring Boot's generic
 * advice (force class-based proxies) cannot work for them. Ahead of Boot's analyzer of the same failure.
 */
final class GuardedChatModelInjectionFailureAnalyzer extends AbstractFailureAnalyzer<BeanNotOfRequiredTypeException>
		implements Ordered {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, BeanNotOfRequiredTypeException cause) {
		if (!GuardedChatModel.class.isAssignableFrom(cause.getActualType())) {
			return null;
		}
		String required = cause.getRequiredType().getName();
		String description = String.format(
				"The bean '%s' is injected as %s, but llm-guard guards it through its interfaces (ChatModel, "
						+ "StreamingChatModel): %s is final, so no subclass of it can stand in its place.",
				cause.getBeanName(), required, required);
		String action = String.format(
				"Inject it as org.springframework.ai.chat.model.ChatModel (with @Qualifier(\"%s\") when there are "
						+ "several chat models), or use LlmGuardChatModels.chatModel(provider). To leave Spring AI "
						+ "unguarded instead, set llm.guard.spring-ai.enabled=false.",
				cause.getBeanName());
		return new FailureAnalysis(description, action, cause);
	}

	@Override
	public int getOrder() {
		return Ordered.HIGHEST_PRECEDENCE;
	}

}

package dev.llmguard.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Reports an {@link InvalidLlmGuardConfigurationException} as a start-up failure that names the
 * key, the value, the problem and the fix.
 */
final class LlmGuardConfigurationFailureAnalyzer
		extends AbstractFailureAnalyzer<InvalidLlmGuardConfigurationException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, InvalidLlmGuardConfigurationException cause) {
		String description = String.format("Invalid llm-guard configuration:%n%n    Key: %s%n    Value: %s%n    Problem: %s%n",
				cause.getKey(), (cause.getValue() != null) ? cause.getValue() : "(not set)", cause.getProblem());
		return new FailureAnalysis(description, cause.getAction(), cause);
	}

}

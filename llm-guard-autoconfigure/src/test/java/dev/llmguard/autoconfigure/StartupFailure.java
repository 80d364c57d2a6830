package dev.llmguard.autoconfigure;

import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/** Asserts that a context failed to start and what llm-guard's failure analyzer reports. */
final class StartupFailure {

	private StartupFailure() {
	}

	static FailureAnalysis analyze(AssertableApplicationContext context) {
		assertThat(context).hasFailed();
		FailureAnalysis analysis = new LlmGuardConfigurationFailureAnalyzer().analyze(context.getStartupFailure());
		assertThat(analysis).as("failure analysis of %s", context.getStartupFailure()).isNotNull();
		return analysis;
	}

	/**
	 * Asserts the key and value in the description, the problem in the description and the fix in
	 * the action.
	 */
	static void assertReports(AssertableApplicationContext context, String key, String value, String problem,
			String action) {
		FailureAnalysis analysis = analyze(context);
		assertThat(analysis.getDescription()).contains("Key: " + key + System.lineSeparator())
			.contains("Value: " + value + System.lineSeparator())
			.contains(problem);
		assertThat(analysis.getAction()).contains(action);
	}

}

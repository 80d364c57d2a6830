package dev.llmguard.autoconfigure;

/**
 * Thrown at start-up when the llm-guard configuration is invalid. It names the offending key (a
 * {@code llm.guard.*} property, or {@code @RateLimitedLlm on com.example.Service#method}), the value,
 * what is wrong with it and how to fix it; {@link LlmGuardConfigurationFailureAnalyzer} turns it
 * into Spring Boot's start-up failure report.
 */
public class InvalidLlmGuardConfigurationException extends RuntimeException {

	private final String key;

	private final Object value;

	private final String problem;

	private final String action;

	/**
	 * Creates the exception.
	 * @param key the full property key, or where the annotation sits
	 * @param value the offending value, or {@code null} when it is missing
	 * @param problem what is wrong, in one sentence
	 * @param action how to fix it
	 */
	public InvalidLlmGuardConfigurationException(String key, Object value, String problem, String action) {
		super(key + " (value: " + value + "): " + problem + ". " + action);
		this.key = key;
		this.value = value;
		this.problem = problem;
		this.action = action;
	}

	/** The full property key (e.g. {@code llm.guard.providers.openai.requests-per-minute}) or annotation site. */
	public String getKey() {
		return this.key;
	}

	/** The offending value, or {@code null} when it is missing. */
	public Object getValue() {
		return this.value;
	}

	/** What is wrong. */
	public String getProblem() {
		return this.problem;
	}

	/** How to fix it. */
	public String getAction() {
		return this.action;
	}

}

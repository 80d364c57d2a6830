package dev.llmguard.core;

/** Base of every exception llm-guard throws for a call it did not let through or could not complete. */
public abstract class LlmGuardException extends RuntimeException {

	protected LlmGuardException(String message) {
		super(message);
	}

	protected LlmGuardException(String message, Throwable cause) {
		super(message, cause);
	}

	/** A stable machine-readable code: {@code rate_limited}, {@code budget_exceeded}, … */
	public abstract String code();

}

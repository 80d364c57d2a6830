package dev.llmguard.core;

/** A call does not fit the context window of any model it could use. */
public class ContextWindowExceededException extends LlmGuardException {

	private final String model;

	private final long requiredTokens;

	private final long contextWindow;

	public ContextWindowExceededException(String model, long requiredTokens, long contextWindow) {
		super("The call needs " + requiredTokens + " tokens (input estimate + max output) but " + model
				+ " has a context window of " + contextWindow
				+ " tokens; shorten the prompt, lower the max output tokens or add a larger model to the chain");
		this.model = model;
		this.requiredTokens = requiredTokens;
		this.contextWindow = contextWindow;
	}

	public String getModel() {
		return this.model;
	}

	public long getRequiredTokens() {
		return this.requiredTokens;
	}

	public long getContextWindow() {
		return this.contextWindow;
	}

	@Override
	public String code() {
		return "context_window_exceeded";
	}

}

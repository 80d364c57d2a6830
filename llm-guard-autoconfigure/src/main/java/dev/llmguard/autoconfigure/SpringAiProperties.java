package dev.llmguard.autoconfigure;

/** Spring AI integration ({@code llm.guard.spring-ai.*}). */
public class SpringAiProperties {

	/** Whether every ChatClient.Builder gets the guard advisor. */
	private boolean enabled = true;

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

}

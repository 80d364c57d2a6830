package dev.llmguard.autoconfigure;

/** Token estimation before a call ({@code llm.guard.estimation.*}). */
public class EstimationProperties {

	/**
	 * Output tokens reserved for a call whose request sets no maximum and whose model has no
	 * configured max-output-tokens.
	 */
	private int defaultMaxOutputTokens = 1024;

	public int getDefaultMaxOutputTokens() {
		return this.defaultMaxOutputTokens;
	}

	public void setDefaultMaxOutputTokens(int defaultMaxOutputTokens) {
		this.defaultMaxOutputTokens = defaultMaxOutputTokens;
	}

}

package dev.llmguard.autoconfigure;

/** Token estimation before a call ({@code llm.guard.estimation.*}). */
public class EstimationProperties {

	/**
	 * Output tokens reserved for a call whose request sets no maximum and whose model has no
	 * configured max-output-tokens.
	 */
	private int defaultMaxOutputTokens = 1024;

	/**
	 * The smallest output allowance a call is shrunk to when a budget cannot afford its whole
	 * allowance (shrink to fit); below it the budget rejects or downgrades the call. At least 1 and at
	 * most default-max-output-tokens.
	 */
	private int minOutputTokens = 256;

	/**
	 * Whether a budget that cannot afford a call's whole output allowance lowers the allowance to what
	 * it still affords (no lower than min-output-tokens) instead of rejecting or downgrading the call.
	 * Each budget may say otherwise with its own shrink-to-fit.
	 */
	private boolean shrinkToFit = true;

	public int getMinOutputTokens() {
		return this.minOutputTokens;
	}

	public void setMinOutputTokens(int minOutputTokens) {
		this.minOutputTokens = minOutputTokens;
	}

	public boolean isShrinkToFit() {
		return this.shrinkToFit;
	}

	public void setShrinkToFit(boolean shrinkToFit) {
		this.shrinkToFit = shrinkToFit;
	}

	public int getDefaultMaxOutputTokens() {
		return this.defaultMaxOutputTokens;
	}

	public void setDefaultMaxOutputTokens(int defaultMaxOutputTokens) {
		this.defaultMaxOutputTokens = defaultMaxOutputTokens;
	}

}

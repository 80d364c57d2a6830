package dev.llmguard.autoconfigure;

/**
 * Declared rate limits of a provider or a model; every limit is optional and must be greater than
 * zero when set. Headroom is applied on top.
 *
 * @see ProviderProperties
 * @see ModelProperties
 */
public abstract class RateLimitProperties {

	/** Requests per minute the provider allows. */
	private Long requestsPerMinute;

	/** Tokens (input plus output) per minute the provider allows. */
	private Long tokensPerMinute;

	/** Input tokens per minute the provider allows (Anthropic style). */
	private Long inputTokensPerMinute;

	/** Output tokens per minute the provider allows (Anthropic style). */
	private Long outputTokensPerMinute;

	/** Requests per day the provider allows. */
	private Long requestsPerDay;

	/** Tokens (input plus output) per day the provider allows. */
	private Long tokensPerDay;

	public Long getRequestsPerMinute() {
		return this.requestsPerMinute;
	}

	public void setRequestsPerMinute(Long requestsPerMinute) {
		this.requestsPerMinute = requestsPerMinute;
	}

	public Long getTokensPerMinute() {
		return this.tokensPerMinute;
	}

	public void setTokensPerMinute(Long tokensPerMinute) {
		this.tokensPerMinute = tokensPerMinute;
	}

	public Long getInputTokensPerMinute() {
		return this.inputTokensPerMinute;
	}

	public void setInputTokensPerMinute(Long inputTokensPerMinute) {
		this.inputTokensPerMinute = inputTokensPerMinute;
	}

	public Long getOutputTokensPerMinute() {
		return this.outputTokensPerMinute;
	}

	public void setOutputTokensPerMinute(Long outputTokensPerMinute) {
		this.outputTokensPerMinute = outputTokensPerMinute;
	}

	public Long getRequestsPerDay() {
		return this.requestsPerDay;
	}

	public void setRequestsPerDay(Long requestsPerDay) {
		this.requestsPerDay = requestsPerDay;
	}

	public Long getTokensPerDay() {
		return this.tokensPerDay;
	}

	public void setTokensPerDay(Long tokensPerDay) {
		this.tokensPerDay = tokensPerDay;
	}

}

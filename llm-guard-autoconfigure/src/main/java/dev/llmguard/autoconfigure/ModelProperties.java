package dev.llmguard.autoconfigure;

import java.math.BigDecimal;

import org.springframework.boot.context.properties.NestedConfigurationProperty;

/**
 * A model of a provider ({@code llm.guard.providers.<name>.models.<model>.*}): its prices, context
 * window and model-level limits.
 */
public class ModelProperties extends RateLimitProperties {

	/**
	 * USD per one million input tokens; overrides the built-in price. Set together with
	 * output-price.
	 */
	private BigDecimal inputPrice;

	/** USD per one million cached input tokens; defaults to input-price. */
	private BigDecimal cachedInputPrice;

	/**
	 * USD per one million input tokens written to the provider's prompt cache with its default
	 * five-minute lifetime (Anthropic bills 1.25 x input-price; one-hour writes are billed at 2 x
	 * input-price). When set, the worst case of a call prices its input as cache writes. Defaults to
	 * 1.25 x input-price for cache writes a provider reports.
	 */
	private BigDecimal cacheWritePrice;

	/**
	 * USD per one million output tokens; overrides the built-in price. Set together with
	 * input-price.
	 */
	private BigDecimal outputPrice;

	/** Context window in tokens (input plus output); calls that would not fit skip the model. */
	private Integer contextWindow;

	/**
	 * Output tokens reserved for a call whose request sets no maximum; defaults to
	 * llm.guard.estimation.default-max-output-tokens.
	 */
	private Integer maxOutputTokens;

	/** This model's own circuit breaker; unset values come from llm.guard.breaker. */
	@NestedConfigurationProperty
	private final ModelBreakerProperties breaker = new ModelBreakerProperties();

	public BigDecimal getInputPrice() {
		return this.inputPrice;
	}

	public void setInputPrice(BigDecimal inputPrice) {
		this.inputPrice = inputPrice;
	}

	public BigDecimal getCachedInputPrice() {
		return this.cachedInputPrice;
	}

	public void setCachedInputPrice(BigDecimal cachedInputPrice) {
		this.cachedInputPrice = cachedInputPrice;
	}

	public BigDecimal getCacheWritePrice() {
		return this.cacheWritePrice;
	}

	public void setCacheWritePrice(BigDecimal cacheWritePrice) {
		this.cacheWritePrice = cacheWritePrice;
	}

	public BigDecimal getOutputPrice() {
		return this.outputPrice;
	}

	public void setOutputPrice(BigDecimal outputPrice) {
		this.outputPrice = outputPrice;
	}

	public Integer getContextWindow() {
		return this.contextWindow;
	}

	public void setContextWindow(Integer contextWindow) {
		this.contextWindow = contextWindow;
	}

	public ModelBreakerProperties getBreaker() {
		return this.breaker;
	}

	public Integer getMaxOutputTokens() {
		return this.maxOutputTokens;
	}

	public void setMaxOutputTokens(Integer maxOutputTokens) {
		this.maxOutputTokens = maxOutputTokens;
	}

}

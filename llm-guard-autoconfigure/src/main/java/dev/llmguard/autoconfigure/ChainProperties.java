package dev.llmguard.autoconfigure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A fallback chain ({@code llm.guard.chains.<name>.*}). */
public class ChainProperties {

	/**
	 * Models tried in order, most preferred first, each written 'provider/model' (for example
	 * openai/gpt-4o).
	 */
	private List<String> models = new ArrayList<>();

	/** How long a rate-limited or overloaded model of this chain is skipped. */
	private Duration cooldown = Duration.ofSeconds(60);

	/** Last answer returned when every model of the chain failed; none when unset. */
	private String fallbackResponse;

	/**
	 * The chain's cache of last answers, tried before the fallback response when every model failed;
	 * none when unset.
	 */
	private ChainCacheProperties cache;

	public List<String> getModels() {
		return this.models;
	}

	public void setModels(List<String> models) {
		this.models = models;
	}

	public Duration getCooldown() {
		return this.cooldown;
	}

	public void setCooldown(Duration cooldown) {
		this.cooldown = cooldown;
	}

	public String getFallbackResponse() {
		return this.fallbackResponse;
	}

	public void setFallbackResponse(String fallbackResponse) {
		this.fallbackResponse = fallbackResponse;
	}

	public ChainCacheProperties getCache() {
		return this.cache;
	}

	public void setCache(ChainCacheProperties cache) {
		this.cache = cache;
	}

}

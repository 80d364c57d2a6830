package dev.llmguard.autoconfigure;

import java.time.Duration;

/** A rate limit on one function-calling tool ({@code llm.guard.tools.<name>.*}). */
public class ToolProperties {

	/** Calls of the tool allowed per window; required. */
	private Long limit;

	/** Length of the window. */
	private Duration window = Duration.ofSeconds(60);

	/** What the tool answers while it is limited; the call fails when unset. */
	private String fallbackResponse;

	public Long getLimit() {
		return this.limit;
	}

	public void setLimit(Long limit) {
		this.limit = limit;
	}

	public Duration getWindow() {
		return this.window;
	}

	public void setWindow(Duration window) {
		this.window = window;
	}

	public String getFallbackResponse() {
		return this.fallbackResponse;
	}

	public void setFallbackResponse(String fallbackResponse) {
		this.fallbackResponse = fallbackResponse;
	}

}

package dev.llmguard.autoconfigure;

import dev.llmguard.core.config.GuardMode;
import java.time.Duration;

/** A rate limit on one function-calling tool ({@code llm.guard.tools.<name>.*}). */
public class ToolProperties {

	/**
	 * Whether this tool's limit answers the fallback (enforce) or only counts calls past it (shadow);
	 * unset: llm.guard.mode.
	 */
	private GuardMode mode;

	/** Calls of the tool allowed per window; required. */
	private Long limit;

	/** Length of the window. */
	private Duration window = Duration.ofSeconds(60);

	/** What the tool answers while it is limited; the call fails when unset. */
	private String fallbackResponse;

	public GuardMode getMode() {
		return this.mode;
	}

	public void setMode(GuardMode mode) {
		this.mode = mode;
	}

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

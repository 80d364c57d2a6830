package dev.llmguard.core;

import java.time.Duration;

/** A tool was called more often than its limit allows and has no fallback response. */
public class ToolLimitExceededException extends RateLimitExceededException {

	private final String tool;

	public ToolLimitExceededException(String tool, long limit, Duration window, Duration retryAfter) {
		super(null, null, retryAfter, "Tool '" + tool + "' reached its limit of " + limit + " calls per " + window
				+ "; retry in " + retryAfter.toMillis() + " ms or configure llm.guard.tools." + tool
				+ ".fallback-response");
		this.tool = tool;
	}

	public String getTool() {
		return this.tool;
	}

}

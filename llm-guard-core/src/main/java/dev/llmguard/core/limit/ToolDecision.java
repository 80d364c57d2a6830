package dev.llmguard.core.limit;

import java.time.Duration;

import dev.llmguard.core.config.ToolSpec;

/**
 * Whether one call of a tool may run.
 *
 * @param allowed whether the call was counted and may run
 * @param retryAfter when the next call could run; zero when allowed
 * @param spec the tool's configuration (its fallback response for a refused call)
 */
public record ToolDecision(boolean allowed, Duration retryAfter, ToolSpec spec) {
}

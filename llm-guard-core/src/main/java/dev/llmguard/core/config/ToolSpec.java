package dev.llmguard.core.config;

import java.time.Duration;

/**
 * A limit on one tool of function calling.
 *
 * @param name the tool name
 * @param limit calls per window
 * @param window the window
 * @param fallbackResponse what the tool answers while limited, or {@code null} to fail
 */
public record ToolSpec(String name, long limit, Duration window, String fallbackResponse) {
}

package dev.llmguard.core.limit;

import java.time.Duration;

/**
 * The state of one tool limit, for the actuator endpoint.
 *
 * @param limit calls per window
 * @param window the window
 * @param available calls that could run now
 */
public record ToolLevel(long limit, Duration window, long available) {
}

package dev.llmguard.sample.tools;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;

/**
 * The body of {@code POST /api/tools/{tool}}.
 *
 * @param query what the tool looks up: search words, a SKU or an order id
 */
public record ToolRequest(@NotBlank @Size(max = 1000) String query) {
}

package dev.llmguard.http;

import java.util.ArrayList;
import java.util.List;

import tools.jackson.databind.JsonNode;

import dev.llmguard.core.token.ImageSize;

/**
 * Collects what a provider bills as input from the prompt of a chat request, in the shapes of
 * OpenAI's chat completions and responses and of Anthropic's messages: texts (including tool calls,
 * their results and thinking), images (with their size when a data URL or base64 source tells it)
 * and tool definitions.
 */
final class PromptReader {

	/** Members whose values the provider reads as prompt text, in any of the three APIs. */
	private static final List<String> TEXT_MEMBERS = List.of("text", "content", "refusal", "name", "arguments",
			"output", "thinking", "summary", "tool_calls", "function_call", "function", "input");

	final StringBuilder text = new StringBuilder();

	final List<ChatRequestBody.Tool> tools = new ArrayList<>();

	final List<ChatRequestBody.Image> images = new ArrayList<>();

	/** Reads a prompt: a string, a list of messages, items or content blocks, or one of them. */
	void read(JsonNode node) {
		if (node == null || node.isNull()) {
			return;
		}
		if (node.isString()) {
			this.text.append(node.asString()).append('\n');
			return;
		}
		if (node.isArray()) {
			for (JsonNode element : node) {
				read(element);
			}
			return;
		}
		if (!node.isObject()) {
			return;
		}
		String type = node.path("type").asString("");
		switch (type) {
			case "image_url" -> image(node.get("image_url"));
			case "input_image" -> openAiImage(node.get("image_url"), node.get("detail"));
			case "image" -> anthropicImage(node.path("source"));
			default -> {
				for (String member : TEXT_MEMBERS) {
					JsonNode value = node.get(member);
					if ("input".equals(member) && value != null && value.isObject()) {
						this.text.append(value).append('\n'); // Anthropic's tool_use input, billed as JSON
					}
					else {
						read(value);
					}
				}
			}
		}
	}

	/** Reads a response schema, billed as part of the prompt. */
	void schema(JsonNode schema) {
		if (schema != null && schema.isObject()) {
			this.text.append(schema).append('\n');
		}
	}

	/** Reads tool definitions: OpenAI's (chat and responses), its legacy functions, Anthropic's. */
	void tools(JsonNode tools) {
		if (tools == null || !tools.isArray()) {
			return;
		}
		for (JsonNode tool : tools) {
			JsonNode function = tool.has("function") ? tool.get("function") : tool;
			JsonNode schema = function.has("parameters") ? function.get("parameters") : function.get("input_schema");
			if (function.isObject() && function.path("name").isString() && (schema == null || schema.isObject())) {
				this.tools.add(new ChatRequestBody.Tool(function.get("name").asString(),
						function.path("description").asString(null), (schema != null) ? schema.toString() : null));
			}
			else {
				// a built-in or custom tool: its definition as sent is the best estimate there is
				this.tools.add(new ChatRequestBody.Tool(null, null, tool.toString()));
			}
		}
	}

	// chat completions: {"image_url": {"url": ..., "detail": ...}} (some compatible APIs: a string)
	private void image(JsonNode imageUrl) {
		if (imageUrl != null && imageUrl.isObject()) {
			openAiImage(imageUrl.get("url"), imageUrl.get("detail"));
		}
		else {
			openAiImage(imageUrl, null);
		}
	}

	private void openAiImage(JsonNode url, JsonNode detail) {
		ImageSize size = (url != null && url.isString()) ? ImageSize.ofDataUrl(url.asString()) : null;
		add(size, (detail != null && detail.isString()) ? detail.asString() : null);
	}

	// messages: {"source": {"type": "base64", "data": ...}} or a URL or file, whose size is unknown
	private void anthropicImage(JsonNode source) {
		JsonNode data = source.get("data");
		ImageSize size = ("base64".equals(source.path("type").asString(null)) && data != null && data.isString())
				? ImageSize.ofBase64(data.asString()) : null;
		add(size, null);
	}

	private void add(ImageSize size, String detail) {
		this.images.add(new ChatRequestBody.Image((size != null) ? size.width() : null,
				(size != null) ? size.height() : null, detail));
	}

}

package dev.llmguard.http;

import java.nio.charset.StandardCharsets;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import dev.llmguard.core.Usage;

/**
 * Reads and rewrites the JSON bodies of OpenAI-style ({@code /v1/chat/completions}) and
 * Anthropic-style ({@code /v1/messages}) chat APIs. Bodies are never logged; a body that is no JSON
 * object reads as empty.
 */
final class ProviderJson {

	private final ObjectMapper mapper;

	ProviderJson(ObjectMapper mapper) {
		this.mapper = mapper;
	}

	/** A parsed request body, or {@link ChatRequestBody#UNREADABLE}. */
	ChatRequestBody request(byte[] body) {
		ObjectNode root = object(body);
		if (root == null) {
			return ChatRequestBody.UNREADABLE;
		}
		String model = textOf(root.get("model"));
		Integer maxTokens = positiveInt(root.get("max_completion_tokens"));
		if (maxTokens == null) {
			maxTokens = positiveInt(root.get("max_tokens"));
		}
		StringBuilder prompt = new StringBuilder();
		collectText(root.get("system"), prompt);
		collectText(root.get("messages"), prompt);
		boolean stream = root.path("stream").asBoolean(false);
		int messages = (root.get("messages") instanceof ArrayNode list) ? list.size() : 0;
		if (root.hasNonNull("system")) {
			messages++; // Anthropic's system prompt sits beside the messages
		}
		return new ChatRequestBody(root, model, maxTokens, prompt.toString(), messages, stream);
	}

	/** The body with another model, or {@code body} itself when it cannot be read. */
	byte[] withModel(ChatRequestBody request, byte[] body, String model) {
		if (request.json() == null || model.equals(request.model())) {
			return body;
		}
		ObjectNode copy = request.json().deepCopy();
		copy.put("model", model);
		return this.mapper.writeValueAsBytes(copy);
	}

	/**
	 * The usage a response reports: a JSON body's {@code usage} (OpenAI or Anthropic), or for a
	 * server-sent event stream, the usage of its events (OpenAI's final chunk; Anthropic's
	 * {@code message_start} input and {@code message_delta} output).
	 * @return the usage, or {@code null} when the response reports none
	 */
	Usage usage(byte[] body) {
		ObjectNode root = object(body);
		if (root != null) {
			return usageOf(root.get("usage"), null);
		}
		return streamUsage(body);
	}

	private Usage streamUsage(byte[] body) {
		String text = new String(body, StandardCharsets.UTF_8);
		Usage usage = null;
		for (String line : text.split("\n")) {
			String trimmed = line.trim();
			if (!trimmed.startsWith("data:")) {
				continue;
			}
			ObjectNode event = object(trimmed.substring(5).trim().getBytes(StandardCharsets.UTF_8));
			if (event == null) {
				continue;
			}
			JsonNode node = event.has("usage") ? event.get("usage") : event.path("message").get("usage");
			Usage found = usageOf(node, usage);
			if (found != null) {
				usage = found;
			}
		}
		return usage;
	}

	/**
	 * @param previous usage seen earlier in the same stream: Anthropic reports input at the start and
	 * output at the end
	 */
	private static Usage usageOf(JsonNode usage, Usage previous) {
		if (usage == null || !usage.isObject()) {
			return null;
		}
		if (usage.has("prompt_tokens") || usage.has("completion_tokens")) {
			long input = nonNegative(usage.get("prompt_tokens"));
			long output = nonNegative(usage.get("completion_tokens"));
			long cached = nonNegative(usage.path("prompt_tokens_details").get("cached_tokens"));
			return new Usage(input, output, cached);
		}
		if (usage.has("input_tokens") || usage.has("output_tokens")) {
			long cacheRead = nonNegative(usage.get("cache_read_input_tokens"));
			long cacheWrite = nonNegative(usage.get("cache_creation_input_tokens"));
			// Anthropic's input_tokens leave out the cached part; the guard counts the whole prompt
			long input = usage.has("input_tokens") ? nonNegative(usage.get("input_tokens")) + cacheRead + cacheWrite
					: (previous != null) ? previous.inputTokens() : 0;
			long cached = usage.has("input_tokens") ? cacheRead : (previous != null) ? previous.cachedInputTokens() : 0;
			long written = usage.has("input_tokens") ? cacheWrite
					: (previous != null) ? previous.cacheWriteInputTokens() : 0;
			long writtenFor1h = usage.has("cache_creation")
					? nonNegative(usage.path("cache_creation").get("ephemeral_1h_input_tokens"))
					: (previous != null) ? previous.cacheWrite1hInputTokens() : 0;
			long output = usage.has("output_tokens") ? nonNegative(usage.get("output_tokens"))
					: (previous != null) ? previous.outputTokens() : 0;
			return new Usage(input, output, cached, written, writtenFor1h);
		}
		return null;
	}

	/** The provider's error code or type from an error body ({@code error.code}, else {@code error.type}). */
	String errorCode(byte[] body) {
		ObjectNode root = object(body);
		if (root == null) {
			return null;
		}
		JsonNode error = root.get("error");
		if (error == null || !error.isObject()) {
			return null;
		}
		String code = textOf(error.get("code"));
		return (code != null) ? code : textOf(error.get("type"));
	}

	private ObjectNode object(byte[] body) {
		if (body == null || body.length == 0) {
			return null;
		}
		try {
			JsonNode node = this.mapper.readTree(body);
			return (node instanceof ObjectNode object) ? object : null;
		}
		catch (JacksonException ex) {
			return null;
		}
	}

	private static void collectText(JsonNode node, StringBuilder text) {
		if (node == null || node.isNull()) {
			return;
		}
		if (node.isString()) {
			text.append(node.asString()).append('\n');
			return;
		}
		if (node.isArray()) {
			for (JsonNode element : node) {
				collectText(element, text);
			}
			return;
		}
		if (node.isObject()) {
			collectText(node.get("content"), text);
			collectText(node.get("text"), text);
		}
	}

	private static String textOf(JsonNode node) {
		return (node != null && node.isString() && !node.asString().isBlank()) ? node.asString() : null;
	}

	private static Integer positiveInt(JsonNode node) {
		return (node != null && node.canConvertToInt() && node.asInt() > 0) ? node.asInt() : null;
	}

	private static long nonNegative(JsonNode node) {
		return (node != null && node.isNumber()) ? Math.max(0, node.asLong()) : 0;
	}

	/**
	 * A chat request body.
	 *
	 * @param json the parsed body, or {@code null} when it is no JSON object
	 * @param model the requested model, or {@code null}
	 * @param maxOutputTokens {@code max_completion_tokens} or {@code max_tokens}, or {@code null}
	 * @param promptText the text of the system prompt and messages
	 * @param messages how many messages, a separate system prompt counted as one
	 * @param stream whether the response is streamed
	 */
	record ChatRequestBody(ObjectNode json, String model, Integer maxOutputTokens, String promptText, int messages,
			boolean stream) {

		static final ChatRequestBody UNREADABLE = new ChatRequestBody(null, null, null, null, 0, false);

		boolean readable() {
			return this.json != null;
		}

	}

}

package dev.llmguard.http;

import java.nio.charset.StandardCharsets;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

import dev.llmguard.core.model.Usage;

/**
 * Reads and rewrites the JSON bodies of the chat APIs the RestClient guard understands
 * ({@link ChatApi}): OpenAI's chat completions and responses, Anthropic's messages. Bodies are never
 * logged; a body that is no JSON object, or lacks a {@code model} or a prompt, is no chat request.
 */
final class ProviderJson {

	private final ObjectMapper mapper;

	ProviderJson(ObjectMapper mapper) {
		this.mapper = mapper;
	}

	/**
	 * Reads a chat request.
	 * @param api the API the request was sent to
	 * @param body the request body
	 * @return the request, or {@code null} when the body is no request of that API (not JSON, no
	 * {@code model}, no {@code messages} or {@code input})
	 */
	ChatRequestBody chatRequest(ChatApi api, byte[] body) {
		ObjectNode root = object(body);
		if (root == null) {
			return null;
		}
		String model = textOf(root.get("model"));
		JsonNode prompt = root.get(api.promptMember());
		// a list of messages or items; the Responses API also takes a plain string
		boolean hasPrompt = prompt != null && (prompt.isArray() || (api == ChatApi.RESPONSES && prompt.isString()));
		if (model == null || !hasPrompt) {
			return null;
		}
		Integer maxTokens = null;
		for (String member : api.maxTokensMembers()) {
			if (maxTokens == null) {
				maxTokens = positiveInt(root.get(member));
			}
		}
		int choices = api.hasChoices() ? Math.max(1, positiveInt(root.get("n"), 1)) : 1;
		PromptReader reader = new PromptReader();
		int messages = 0;
		JsonNode system = root.get((api == ChatApi.RESPONSES) ? "instructions" : "system");
		if (system != null && !system.isNull()) {
			reader.read(system);
			messages++; // a separate system prompt or instructions are framed like a message
		}
		reader.read(prompt);
		messages += prompt.isArray() ? prompt.size() : 1;
		reader.schema(root.path("response_format").get("json_schema"));
		reader.schema(root.path("text").path("format").get("schema"));
		reader.schema(root.get("output_format"));
		reader.tools(root.get("tools"));
		reader.tools(root.get("functions"));
		return new ChatRequestBody(api, root, model, maxTokens, choices, reader.text.toString(), messages,
				reader.tools, reader.images);
	}

	/**
	 * The body an attempt sends: with the attempt's model, and with an output limit no higher than
	 * the attempt's allowance. A body that sets no limit gets one; a limit above the allowance is
	 * lowered; the body's own member is kept (OpenAI's {@code max_tokens} stays {@code max_tokens}).
	 * @param request the parsed body
	 * @param body the body as the client wrote it
	 * @param model the model to send, or {@code null} to keep the body's
	 * @param allowance the output tokens reserved for the attempt
	 * @return {@code body} itself when nothing changes, else the rewritten body
	 */
	byte[] forAttempt(ChatRequestBody request, byte[] body, String model, long allowance) {
		ObjectNode json = request.json();
		ObjectNode copy = null;
		if (model != null && !model.equals(request.model())) {
			copy = json.deepCopy();
			copy.put("model", model);
		}
		long limit = request.outputLimit(allowance);
		boolean limited = false;
		for (String member : request.api().maxTokensMembers()) {
			JsonNode value = json.get(member);
			if (value == null || value.isNull()) {
				continue;
			}
			limited = true;
			// a number up to the limit stays (zero or less: the provider refuses it); anything else is replaced
			if (!value.isNumber() || value.doubleValue() > limit) {
				copy = (copy != null) ? copy : json.deepCopy();
				copy.put(member, limit);
			}
		}
		if (!limited) {
			copy = (copy != null) ? copy : json.deepCopy();
			copy.put(request.api().addedMaxTokensMember(), limit);
		}
		return (copy != null) ? this.mapper.writeValueAsBytes(copy) : body;
	}

	/**
	 * The usage a response reports: a JSON body's {@code usage} (OpenAI or Anthropic), or for a
	 * server-sent event stream, the usage of its events (OpenAI's final chunk; the Responses API's
	 * {@code response.completed}; Anthropic's {@code message_start} input and {@code message_delta}
	 * output).
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
			// OpenAI chat chunks and Anthropic's message_delta carry usage; Anthropic's message_start and
			// the Responses API's response.completed carry it in their message or response
			JsonNode node = event.has("usage") ? event.get("usage")
					: event.has("response") ? event.get("response").get("usage") : event.path("message").get("usage");
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
			// Anthropic's input_tokens leave out the cached part; the guard counts the whole prompt. The
			// Responses API's input_tokens include it, and name it in input_tokens_details.
			long cacheRead = nonNegative(usage.get("cache_read_input_tokens"));
			long cacheWrite = nonNegative(usage.get("cache_creation_input_tokens"));
			long responsesCached = nonNegative(usage.path("input_tokens_details").get("cached_tokens"));
			long input = usage.has("input_tokens") ? nonNegative(usage.get("input_tokens")) + cacheRead + cacheWrite
					: (previous != null) ? previous.inputTokens() : 0;
			long cached = usage.has("input_tokens") ? cacheRead + responsesCached
					: (previous != null) ? previous.cachedInputTokens() : 0;
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

	private static String textOf(JsonNode node) {
		return (node != null && node.isString() && !node.asString().isBlank()) ? node.asString() : null;
	}

	private static Integer positiveInt(JsonNode node) {
		return (node != null && node.isIntegralNumber() && node.canConvertToInt() && node.asInt() > 0) ? node.asInt()
				: null;
	}

	private static int positiveInt(JsonNode node, int otherwise) {
		Integer value = positiveInt(node);
		return (value != null) ? value : otherwise;
	}

	private static long nonNegative(JsonNode node) {
		return (node != null && node.isNumber()) ? Math.max(0, node.asLong()) : 0;
	}

}

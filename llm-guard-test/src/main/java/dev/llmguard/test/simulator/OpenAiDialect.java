package dev.llmguard.test.simulator;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import com.sun.net.httpserver.Headers;
import dev.llmguard.test.simulator.ChatRequest.PromptMessage;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * OpenAI's {@code POST /v1/chat/completions}, plain and streamed.
 */
final class OpenAiDialect implements Dialect {

	// content tokens per streamed chunk
	private static final int TOKENS_PER_CHUNK = 3;

	@Override
	public ChatRequest parse(JsonNode body) {
		JsonNode model = body.get("model");
		if (model == null || !model.isString() || model.stringValue().isBlank()) {
			throw new InvalidRequestException("you must provide a model parameter", null, null);
		}
		JsonNode messages = body.get("messages");
		if (messages == null || messages.isNull()) {
			throw new InvalidRequestException("Missing required parameter: 'messages'.", "messages",
					"missing_required_parameter");
		}
		if (!messages.isArray()) {
			throw invalidType("messages", "an array", messages);
		}
		if (messages.isEmpty()) {
			throw new InvalidRequestException(
					"Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
					"messages", "empty_array");
		}
		List<PromptMessage> prompt = new ArrayList<>(messages.size());
		for (int i = 0; i < messages.size(); i++) {
			prompt.add(message(messages.get(i), "messages[" + i + "]"));
		}
		Integer maxTokens = maxTokens(body, "max_completion_tokens");
		if (maxTokens == null) {
			maxTokens = maxTokens(body, "max_tokens");
		}
		boolean stream = flag(body, "stream");
		JsonNode streamOptions = body.get("stream_options");
		boolean includeUsage = streamOptions != null && streamOptions.isObject() && flag(streamOptions, "include_usage");
		return new ChatRequest(model.stringValue(), prompt, maxTokens, stream, includeUsage,
				offeredTool(body.get("tools"), messages));
	}

	/** The first offered function when no message answers a tool call yet. */
	private static String offeredTool(JsonNode tools, JsonNode messages) {
		if (tools == null || !tools.isArray() || tools.isEmpty()) {
			return null;
		}
		for (JsonNode message : messages) {
			if ("tool".equals(message.path("role").asString(""))) {
				return null;
			}
		}
		JsonNode name = tools.get(0).path("function").get("name");
		return (name != null && name.isString()) ? name.stringValue() : null;
	}

	private static PromptMessage message(JsonNode message, String path) {
		if (!message.isObject()) {
			throw invalidType(path, "an object", message);
		}
		JsonNode role = message.get("role");
		if (role == null || !role.isString()) {
			throw new InvalidRequestException("Missing required parameter: '" + path + ".role'.", path + ".role",
					"missing_required_parameter");
		}
		List<String> texts = new ArrayList<>();
		JsonNode content = message.get("content");
		if (content != null && content.isString()) {
			texts.add(content.stringValue());
		}
		else if (content != null && content.isArray()) {
			for (JsonNode part : content) {
				JsonNode text = part.get("text");
				if (text != null && text.isString()) {
					texts.add(text.stringValue());
				}
				else if (part.isString()) {
					texts.add(part.stringValue());
				}
			}
		}
		else if (content != null && !content.isNull()) {
			throw invalidType(path + ".content", "a string or an array of content parts", content);
		}
		JsonNode toolCalls = message.get("tool_calls");
		if (toolCalls != null && toolCalls.isArray()) {
			for (JsonNode call : toolCalls) {
				JsonNode function = call.path("function");
				addText(texts, function.get("name"));
				addText(texts, function.get("arguments"));
			}
		}
		JsonNode name = message.get("name");
		return new PromptMessage(role.stringValue(), texts, (name != null && name.isString()) ? name.stringValue() : null);
	}

	private static void addText(List<String> texts, JsonNode node) {
		if (node != null && node.isString()) {
			texts.add(node.stringValue());
		}
	}

	static Integer maxTokens(JsonNode body, String member) {
		JsonNode value = body.get(member);
		if (value == null || value.isNull()) {
			return null;
		}
		if (!value.isIntegralNumber() || !value.canConvertToInt()) {
			throw invalidType(member, "an integer", value);
		}
		if (value.intValue() < 1) {
			throw new InvalidRequestException("Invalid '" + member + "': integer below minimum value. Expected a value >= 1, but got "
					+ value.intValue() + " instead.", member, "integer_below_min_value");
		}
		return value.intValue();
	}

	static boolean flag(JsonNode body, String member) {
		JsonNode value = body.get(member);
		if (value == null || value.isNull()) {
			return false;
		}
		if (!value.isBoolean()) {
			throw invalidType(member, "a boolean", value);
		}
		return value.booleanValue();
	}

	static InvalidRequestException invalidType(String member, String expected, JsonNode actual) {
		return new InvalidRequestException("Invalid type for '" + member + "': expected " + expected + ", but got "
				+ actual.getNodeType().name().toLowerCase(java.util.Locale.ROOT) + " instead.", member, "invalid_type");
	}

	@Override
	public String newId(long sequence) {
		return String.format("chatcmpl-sim%016x", sequence);
	}

	@Override
	public void rateLimitHeaders(Headers headers, RateWindows.Snapshot windows, Instant now) {
		if (windows.requestLimit() > 0) {
			headers.set("x-ratelimit-limit-requests", Long.toString(windows.requestLimit()));
			headers.set("x-ratelimit-remaining-requests", Long.toString(windows.remainingRequests()));
			headers.set("x-ratelimit-reset-requests", ProviderSimulator.formatDuration(windows.requestsReset()));
		}
		if (windows.tokenLimit() > 0) {
			headers.set("x-ratelimit-limit-tokens", Long.toString(windows.tokenLimit()));
			headers.set("x-ratelimit-remaining-tokens", Long.toString(windows.remainingTokens()));
			headers.set("x-ratelimit-reset-tokens", ProviderSimulator.formatDuration(windows.tokensReset()));
		}
	}

	@Override
	public byte[] completion(ChatRequest request, Answer answer) {
		ObjectNode body = Json.object();
		ObjectNode message = message(body, request, answer, finishReason(answer));
		message.put("content", answer.text());
		message.putNull("refusal");
		message.putArray("annotations");
		body.put("service_tier", "default");
		body.putNull("system_fingerprint");
		return Json.bytes(body);
	}

	/** Fills a chat completion's members and its one choice; answers the choice's message to complete. */
	private static ObjectNode message(ObjectNode body, ChatRequest request, Answer answer, String finishReason) {
		body.put("id", answer.id());
		body.put("object", "chat.completion");
		body.put("created", answer.created());
		body.put("model", request.model());
		ObjectNode choice = body.putArray("choices").addObject();
		choice.put("index", 0);
		ObjectNode message = choice.putObject("message");
		message.put("role", "assistant");
		choice.putNull("logprobs");
		choice.put("finish_reason", finishReason);
		body.set("usage", usage(answer, answer.tokens()));
		return message;
	}

	@Override
	public byte[] toolCall(ChatRequest request, Answer answer) {
		ObjectNode body = Json.object();
		ObjectNode message = message(body, request, answer, "tool_calls");
		message.putNull("content");
		message.putNull("refusal");
		ObjectNode call = message.putArray("tool_calls").addObject();
		call.put("id", "call_" + answer.id());
		call.put("type", "function");
		ObjectNode function = call.putObject("function");
		function.put("name", request.offeredTool());
		function.put("arguments", "{}");
		return Json.bytes(body);
	}

	@Override
	public void stream(ChatRequest request, Answer answer, EventStream stream) throws IOException {
		ObjectNode first = chunk(request, answer);
		ObjectNode roleDelta = first.withArrayProperty("choices").addObject();
		roleDelta.put("index", 0);
		ObjectNode delta = roleDelta.putObject("delta");
		delta.put("role", "assistant");
		delta.put("content", "");
		delta.putNull("refusal");
		roleDelta.putNull("logprobs");
		roleDelta.putNull("finish_reason");
		stream.event(null, Json.bytes(first));
		List<String> pieces = answer.pieces();
		for (int from = 0; from < pieces.size(); from += TOKENS_PER_CHUNK) {
			List<String> part = pieces.subList(from, Math.min(pieces.size(), from + TOKENS_PER_CHUNK));
			ObjectNode chunk = chunk(request, answer);
			ObjectNode choice = chunk.withArrayProperty("choices").addObject();
			choice.put("index", 0);
			choice.putObject("delta").put("content", String.join("", part));
			choice.putNull("logprobs");
			choice.putNull("finish_reason");
			stream.content(null, Json.bytes(chunk), part.size());
		}
		ObjectNode last = chunk(request, answer);
		ObjectNode finish = last.withArrayProperty("choices").addObject();
		finish.put("index", 0);
		finish.putObject("delta");
		finish.putNull("logprobs");
		finish.put("finish_reason", finishReason(answer));
		stream.event(null, Json.bytes(last));
		if (request.includeUsage()) {
			ObjectNode usage = chunk(request, answer);
			usage.set("usage", usage(answer, (int) stream.writtenTokens()));
			stream.event(null, Json.bytes(usage));
		}
		stream.done();
	}

	private static ObjectNode chunk(ChatRequest request, Answer answer) {
		ObjectNode chunk = Json.object();
		chunk.put("id", answer.id());
		chunk.put("object", "chat.completion.chunk");
		chunk.put("created", answer.created());
		chunk.put("model", request.model());
		chunk.put("service_tier", "default");
		chunk.putNull("system_fingerprint");
		chunk.putArray("choices");
		if (request.includeUsage()) {
			chunk.putNull("usage");
		}
		return chunk;
	}

	private static String finishReason(Answer answer) {
		return answer.truncated() ? "length" : "stop";
	}

	private static ObjectNode usage(Answer answer, int completionTokens) {
		ObjectNode usage = Json.object();
		usage.put("prompt_tokens", answer.promptTokens());
		usage.put("completion_tokens", completionTokens);
		usage.put("total_tokens", answer.promptTokens() + completionTokens);
		ObjectNode promptDetails = usage.putObject("prompt_tokens_details");
		promptDetails.put("cached_tokens", 0);
		promptDetails.put("audio_tokens", 0);
		ObjectNode completionDetails = usage.putObject("completion_tokens_details");
		completionDetails.put("reasoning_tokens", 0);
		completionDetails.put("audio_tokens", 0);
		completionDetails.put("accepted_prediction_tokens", 0);
		completionDetails.put("rejected_prediction_tokens", 0);
		return usage;
	}

	@Override
	public byte[] invalidRequest(String message, String param, String code) {
		return error(message, "invalid_request_error", param, code);
	}

	@Override
	public byte[] contextLengthExceeded(int promptTokens, int outputTokens, int contextWindow) {
		return error("This model's maximum context length is " + contextWindow + " tokens. However, you requested "
				+ (promptTokens + outputTokens) + " tokens (" + promptTokens + " in the messages, " + outputTokens
				+ " in the completion). Please reduce the length of the messages or completion.",
				"invalid_request_error", "messages", "context_length_exceeded");
	}

	@Override
	public byte[] rateLimited(Rejection rejection) {
		String unit = "requests".equals(rejection.window()) ? "requests per min (RPM)" : "tokens per min (TPM)";
		String model = (rejection.model() != null) ? rejection.model() : "this model";
		String message;
		if (rejection.tooLarge()) {
			message = "Request too large for " + model + " in organization org-simulator on " + unit + ": Limit "
					+ rejection.limit() + ", Requested " + rejection.requested()
					+ ". The input or output tokens must be reduced in order to run successfully.";
		}
		else if (rejection.limit() == 0) {
			message = "Rate limit reached for " + model + " in organization org-simulator on " + unit
					+ " (forced by the simulator). Please try again in " + rejection.retryAfterText() + ".";
		}
		else {
			message = "Rate limit reached for " + model + " in organization org-simulator on " + unit + ": Limit "
					+ rejection.limit() + ", Used " + rejection.used() + ", Requested " + rejection.requested()
					+ ". Please try again in " + rejection.retryAfterText() + ".";
		}
		return error(message, rejection.window(), null, "rate_limit_exceeded");
	}

	@Override
	public byte[] transientFailure(int status) {
		return switch (status) {
			case 503 -> error("The server is overloaded or not ready yet.", "server_error", null, null);
			case 529 -> error("The engine is currently overloaded, please try again later.", "server_error", null,
					"overloaded");
			default -> error("The server had an error while processing your request. Sorry about that!",
					"server_error", null, null);
		};
	}

	@Override
	public byte[] notFound(int status, String method, String path) {
		return error("Invalid URL (" + method + " " + path + ")", "invalid_request_error", null, null);
	}

	static byte[] error(String message, String type, String param, String code) {
		ObjectNode body = Json.object();
		ObjectNode error = body.putObject("error");
		error.put("message", message);
		error.put("type", type);
		error.put("param", param);
		error.put("code", code);
		return Json.bytes(body);
	}

}

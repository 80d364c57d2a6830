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
 * OpenAI's Responses API, {@code POST /v1/responses}, plain and streamed: {@code instructions}, an
 * {@code input} that is a string or a list of items (messages, function calls and their outputs),
 * {@code max_output_tokens}. Errors and rate-limit headers are those of the chat completions API.
 */
final class OpenAiResponsesDialect implements Dialect {

	// content tokens per streamed delta
	private static final int TOKENS_PER_CHUNK = 3;

	private static final OpenAiDialect OPENAI = new OpenAiDialect();

	@Override
	public ChatRequest parse(JsonNode body) {
		JsonNode model = body.get("model");
		if (model == null || !model.isString() || model.stringValue().isBlank()) {
			throw new InvalidRequestException("Missing required parameter: 'model'.", "model",
					"missing_required_parameter");
		}
		List<PromptMessage> prompt = new ArrayList<>();
		JsonNode instructions = body.get("instructions");
		if (instructions != null && instructions.isString()) {
			prompt.add(new PromptMessage("developer", List.of(instructions.stringValue()), null));
		}
		JsonNode input = body.get("input");
		if (input == null || input.isNull()) {
			throw new InvalidRequestException("Missing required parameter: 'input'.", "input",
					"missing_required_parameter");
		}
		if (input.isString()) {
			prompt.add(new PromptMessage("user", List.of(input.stringValue()), null));
		}
		else if (input.isArray()) {
			for (int i = 0; i < input.size(); i++) {
				prompt.add(item(input.get(i), "input[" + i + "]"));
			}
		}
		else {
			throw OpenAiDialect.invalidType("input", "a string or an array of input items", input);
		}
		Integer maxTokens = OpenAiDialect.maxTokens(body, "max_output_tokens");
		boolean stream = OpenAiDialect.flag(body, "stream");
		return new ChatRequest(model.stringValue(), prompt, maxTokens, stream, true);
	}

	private static PromptMessage item(JsonNode item, String path) {
		if (!item.isObject()) {
			throw OpenAiDialect.invalidType(path, "an object", item);
		}
		String type = item.path("type").asString("message");
		List<String> texts = new ArrayList<>();
		switch (type) {
			case "function_call" -> {
				addText(texts, item.get("name"));
				addText(texts, item.get("arguments"));
				return new PromptMessage("assistant", texts, null);
			}
			case "function_call_output" -> {
				addText(texts, item.get("output"));
				return new PromptMessage("tool", texts, null);
			}
			default -> {
				JsonNode role = item.get("role");
				if (role == null || !role.isString()) {
					throw new InvalidRequestException("Missing required parameter: '" + path + ".role'.",
							path + ".role", "missing_required_parameter");
				}
				JsonNode content = item.get("content");
				if (content != null && content.isString()) {
					texts.add(content.stringValue());
				}
				else if (content != null && content.isArray()) {
					for (JsonNode part : content) {
						addText(texts, part.get("text"));
					}
				}
				return new PromptMessage(role.stringValue(), texts, null);
			}
		}
	}

	private static void addText(List<String> texts, JsonNode node) {
		if (node != null && node.isString()) {
			texts.add(node.stringValue());
		}
	}

	@Override
	public String newId(long sequence) {
		return String.format("resp_sim%016x", sequence);
	}

	@Override
	public void rateLimitHeaders(Headers headers, RateWindows.Snapshot windows, Instant now) {
		OPENAI.rateLimitHeaders(headers, windows, now);
	}

	@Override
	public byte[] completion(ChatRequest request, Answer answer) {
		return Json.bytes(response(request, answer, answer.truncated() ? "incomplete" : "completed",
				List.of(message(answer, "completed", answer.text())), usage(answer, answer.tokens())));
	}

	@Override
	public void stream(ChatRequest request, Answer answer, EventStream stream) throws IOException {
		Sequence sequence = new Sequence();
		ObjectNode created = sequence.event("response.created");
		created.set("response", response(request, answer, "in_progress", List.of(), null));
		stream.event("response.created", Json.bytes(created));
		ObjectNode inProgress = sequence.event("response.in_progress");
		inProgress.set("response", response(request, answer, "in_progress", List.of(), null));
		stream.event("response.in_progress", Json.bytes(inProgress));
		String itemId = itemId(answer);
		ObjectNode itemAdded = sequence.event("response.output_item.added");
		itemAdded.put("output_index", 0);
		ObjectNode emptyItem = message(answer, "in_progress", null);
		itemAdded.set("item", emptyItem);
		stream.event("response.output_item.added", Json.bytes(itemAdded));
		ObjectNode partAdded = part(sequence.event("response.content_part.added"), itemId);
		partAdded.set("part", outputText(""));
		stream.event("response.content_part.added", Json.bytes(partAdded));
		List<String> pieces = answer.pieces();
		StringBuilder written = new StringBuilder();
		for (int from = 0; from < pieces.size(); from += TOKENS_PER_CHUNK) {
			List<String> chunk = pieces.subList(from, Math.min(pieces.size(), from + TOKENS_PER_CHUNK));
			String text = String.join("", chunk);
			ObjectNode delta = part(sequence.event("response.output_text.delta"), itemId);
			delta.put("delta", text);
			delta.putArray("logprobs");
			stream.content("response.output_text.delta", Json.bytes(delta), chunk.size());
			written.append(text);
		}
		ObjectNode textDone = part(sequence.event("response.output_text.done"), itemId);
		textDone.put("text", written.toString());
		textDone.putArray("logprobs");
		stream.event("response.output_text.done", Json.bytes(textDone));
		ObjectNode partDone = part(sequence.event("response.content_part.done"), itemId);
		partDone.set("part", outputText(written.toString()));
		stream.event("response.content_part.done", Json.bytes(partDone));
		ObjectNode item = message(answer, "completed", written.toString());
		ObjectNode itemDone = sequence.event("response.output_item.done");
		itemDone.put("output_index", 0);
		itemDone.set("item", item);
		stream.event("response.output_item.done", Json.bytes(itemDone));
		String status = answer.truncated() ? "incomplete" : "completed";
		String type = answer.truncated() ? "response.incomplete" : "response.completed";
		ObjectNode completed = sequence.event(type);
		completed.set("response",
				response(request, answer, status, List.of(item), usage(answer, (int) stream.writtenTokens())));
		stream.event(type, Json.bytes(completed));
	}

	private static ObjectNode response(ChatRequest request, Answer answer, String status, List<ObjectNode> output,
			ObjectNode usage) {
		ObjectNode body = Json.object();
		body.put("id", answer.id());
		body.put("object", "response");
		body.put("created_at", answer.created());
		body.put("status", status);
		body.put("background", false);
		body.putNull("error");
		if ("incomplete".equals(status)) {
			body.putObject("incomplete_details").put("reason", "max_output_tokens");
		}
		else {
			body.putNull("incomplete_details");
		}
		body.putNull("instructions");
		if (request.maxTokens() != null) {
			body.put("max_output_tokens", request.maxTokens());
		}
		else {
			body.putNull("max_output_tokens");
		}
		body.put("model", request.model());
		output.forEach(body.putArray("output")::add);
		body.put("parallel_tool_calls", true);
		body.putNull("previous_response_id");
		ObjectNode reasoning = body.putObject("reasoning");
		reasoning.putNull("effort");
		reasoning.putNull("summary");
		body.put("service_tier", "default");
		body.put("store", false);
		body.put("temperature", 1.0);
		body.putObject("text").putObject("format").put("type", "text");
		body.put("tool_choice", "auto");
		body.putArray("tools");
		body.put("top_p", 1.0);
		body.put("truncation", "disabled");
		if (usage != null) {
			body.set("usage", usage);
		}
		else {
			body.putNull("usage");
		}
		body.putNull("user");
		body.putObject("metadata");
		return body;
	}

	private static ObjectNode message(Answer answer, String status, String text) {
		ObjectNode item = Json.object();
		item.put("id", itemId(answer));
		item.put("type", "message");
		item.put("status", status);
		item.put("role", "assistant");
		var content = item.putArray("content");
		if (text != null) {
			content.add(outputText(text));
		}
		return item;
	}

	private static ObjectNode outputText(String text) {
		ObjectNode part = Json.object();
		part.put("type", "output_text");
		part.put("text", text);
		part.putArray("annotations");
		part.putArray("logprobs");
		return part;
	}

	private static String itemId(Answer answer) {
		return "msg_" + answer.id().substring("resp_".length());
	}

	private static ObjectNode part(ObjectNode event, String itemId) {
		event.put("item_id", itemId);
		event.put("output_index", 0);
		event.put("content_index", 0);
		return event;
	}

	private static ObjectNode usage(Answer answer, int outputTokens) {
		ObjectNode usage = Json.object();
		usage.put("input_tokens", answer.promptTokens());
		ObjectNode inputDetails = usage.putObject("input_tokens_details");
		inputDetails.put("cached_tokens", 0);
		inputDetails.put("cache_write_tokens", 0);
		usage.put("output_tokens", outputTokens);
		usage.putObject("output_tokens_details").put("reasoning_tokens", 0);
		usage.put("total_tokens", answer.promptTokens() + outputTokens);
		return usage;
	}

	@Override
	public byte[] invalidRequest(String message, String param, String code) {
		return OPENAI.invalidRequest(message, param, code);
	}

	@Override
	public byte[] contextLengthExceeded(int promptTokens, int outputTokens, int contextWindow) {
		return OpenAiDialect.error("Your input exceeds the context window of this model (" + contextWindow
				+ " tokens; " + promptTokens + " in the input, " + outputTokens + " requested for the output). "
				+ "Please adjust your input and try again.", "invalid_request_error", "input",
				"context_length_exceeded");
	}

	@Override
	public byte[] rateLimited(Rejection rejection) {
		return OPENAI.rateLimited(rejection);
	}

	@Override
	public byte[] transientFailure(int status) {
		return OPENAI.transientFailure(status);
	}

	@Override
	public byte[] notFound(int status, String method, String path) {
		return OPENAI.notFound(status, method, path);
	}

	/** Numbers the events of one stream, as the API does. */
	private static final class Sequence {

		private int next;

		ObjectNode event(String type) {
			ObjectNode event = Json.object();
			event.put("type", type);
			event.put("sequence_number", this.next++);
			return event;
		}

	}

}

package dev.llmguard.test.simulator;

import java.io.IOException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

import com.sun.net.httpserver.Headers;
import dev.llmguard.test.simulator.ChatRequest.CacheBreakpoint;
import dev.llmguard.test.simulator.ChatRequest.PromptMessage;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Anthropic's {@code POST /v1/messages}, plain and streamed. The prompt is counted with
 * {@code cl100k_base} as an approximation, the system prompt as one more message.
 */
final class AnthropicDialect implements Dialect {

	// content tokens per streamed delta
	private static final int TOKENS_PER_CHUNK = 3;

	private static final String[] TOKEN_FAMILIES = { "tokens", "input-tokens", "output-tokens" };

	@Override
	public ChatRequest parse(JsonNode body) {
		JsonNode model = body.get("model");
		if (model == null || !model.isString() || model.stringValue().isBlank()) {
			throw new InvalidRequestException("model: Field required", "model", null);
		}
		JsonNode maxTokens = body.get("max_tokens");
		if (maxTokens == null || maxTokens.isNull()) {
			throw new InvalidRequestException("max_tokens: Field required", "max_tokens", null);
		}
		if (!maxTokens.isIntegralNumber() || !maxTokens.canConvertToInt()) {
			throw new InvalidRequestException("max_tokens: Input should be a valid integer", "max_tokens", null);
		}
		if (maxTokens.intValue() < 1) {
			throw new InvalidRequestException("max_tokens: Input should be greater than or equal to 1", "max_tokens",
					null);
		}
		JsonNode messages = body.get("messages");
		if (messages == null || messages.isNull()) {
			throw new InvalidRequestException("messages: Field required", "messages", null);
		}
		if (!messages.isArray()) {
			throw new InvalidRequestException("messages: Input should be a valid list", "messages", null);
		}
		List<PromptMessage> prompt = new ArrayList<>(messages.size() + 1);
		CacheBreakpoint[] breakpoint = new CacheBreakpoint[1];
		JsonNode system = body.get("system");
		if (system != null && !system.isNull()) {
			List<String> texts = new ArrayList<>();
			collectTexts(system, texts, prompt.size(), breakpoint);
			prompt.add(new PromptMessage("system", texts, null));
		}
		for (int i = 0; i < messages.size(); i++) {
			JsonNode message = messages.get(i);
			JsonNode role = message.get("role");
			if (!message.isObject() || role == null || !role.isString()) {
				throw new InvalidRequestException("messages." + i + ".role: Field required", "messages." + i + ".role",
						null);
			}
			JsonNode content = message.get("content");
			if (content == null || !(content.isString() || content.isArray())) {
				throw new InvalidRequestException("messages." + i + ".content: Field required",
						"messages." + i + ".content", null);
			}
			List<String> texts = new ArrayList<>();
			collectTexts(content, texts, prompt.size(), breakpoint);
			prompt.add(new PromptMessage(role.stringValue(), texts, null));
		}
		JsonNode stream = body.get("stream");
		boolean streamed = stream != null && stream.isBoolean() && stream.booleanValue();
		return new ChatRequest(model.stringValue(), prompt, maxTokens.intValue(), streamed, true, null,
				breakpoint[0]);
	}

	// text of string content, text blocks, tool results and tool inputs; a block marked with
	// cache_control moves the cache breakpoint to its end
	private static void collectTexts(JsonNode content, List<String> texts, int message, CacheBreakpoint[] breakpoint) {
		if (!content.isArray()) {
			collectTexts(content, texts);
			return;
		}
		for (JsonNode block : content) {
			collectBlock(block, texts);
			JsonNode cacheControl = block.get("cache_control");
			if (cacheControl != null && cacheControl.isObject()) {
				JsonNode ttl = cacheControl.get("ttl");
				breakpoint[0] = new CacheBreakpoint(message, texts.size(),
						ttl != null && ttl.isString() && "1h".equals(ttl.stringValue()));
			}
		}
	}

	private static void collectTexts(JsonNode content, List<String> texts) {
		if (content.isString()) {
			texts.add(content.stringValue());
			return;
		}
		if (!content.isArray()) {
			return;
		}
		for (JsonNode block : content) {
			collectBlock(block, texts);
		}
	}

	private static void collectBlock(JsonNode block, List<String> texts) {
		JsonNode text = block.get("text");
		if (text != null && text.isString()) {
			texts.add(text.stringValue());
		}
		JsonNode nested = block.get("content");
		if (nested != null) {
			collectTexts(nested, texts);
		}
		JsonNode input = block.get("input");
		if (input != null && input.isObject()) {
			texts.add(input.toString());
		}
	}

	@Override
	public String newId(long sequence) {
		return String.format("msg_sim%016x", sequence);
	}

	@Override
	public void rateLimitHeaders(Headers headers, RateWindows.Snapshot windows, Instant now) {
		if (windows.requestLimit() > 0) {
			headers.set("anthropic-ratelimit-requests-limit", Long.toString(windows.requestLimit()));
			headers.set("anthropic-ratelimit-requests-remaining", Long.toString(windows.remainingRequests()));
			headers.set("anthropic-ratelimit-requests-reset", reset(now, windows.requestsReset()));
		}
		if (windows.tokenLimit() > 0) {
			// one tokens limit counts input and output alike, so each of Anthropic's token families reports it
			for (String family : TOKEN_FAMILIES) {
				headers.set("anthropic-ratelimit-" + family + "-limit", Long.toString(windows.tokenLimit()));
				headers.set("anthropic-ratelimit-" + family + "-remaining", Long.toString(windows.remainingTokens()));
				headers.set("anthropic-ratelimit-" + family + "-reset", reset(now, windows.tokensReset()));
			}
		}
	}

	// RFC 3339, whole seconds rounded up
	private static String reset(Instant now, java.time.Duration untilReset) {
		Instant at = now.plus(untilReset);
		Instant seconds = at.truncatedTo(ChronoUnit.SECONDS);
		return (seconds.equals(at) ? seconds : seconds.plusSeconds(1)).toString();
	}

	@Override
	public byte[] completion(ChatRequest request, Answer answer) {
		ObjectNode body = message(request, answer);
		body.putArray("content").addObject().put("type", "text").put("text", answer.text());
		body.put("stop_reason", stopReason(answer));
		body.putNull("stop_sequence");
		body.set("usage", usage(answer, answer.tokens()));
		return Json.bytes(body);
	}

	@Override
	public void stream(ChatRequest request, Answer answer, EventStream stream) throws IOException {
		ObjectNode start = Json.object();
		start.put("type", "message_start");
		ObjectNode message = message(request, answer);
		message.putArray("content");
		message.putNull("stop_reason");
		message.putNull("stop_sequence");
		message.set("usage", usage(answer, 1));
		start.set("message", message);
		stream.event("message_start", Json.bytes(start));
		ObjectNode blockStart = Json.object();
		blockStart.put("type", "content_block_start");
		blockStart.put("index", 0);
		blockStart.putObject("content_block").put("type", "text").put("text", "");
		stream.event("content_block_start", Json.bytes(blockStart));
		stream.event("ping", Json.bytes(Json.object().put("type", "ping")));
		List<String> pieces = answer.pieces();
		for (int from = 0; from < pieces.size(); from += TOKENS_PER_CHUNK) {
			List<String> part = pieces.subList(from, Math.min(pieces.size(), from + TOKENS_PER_CHUNK));
			ObjectNode delta = Json.object();
			delta.put("type", "content_block_delta");
			delta.put("index", 0);
			delta.putObject("delta").put("type", "text_delta").put("text", String.join("", part));
			stream.content("content_block_delta", Json.bytes(delta), part.size());
		}
		ObjectNode blockStop = Json.object();
		blockStop.put("type", "content_block_stop");
		blockStop.put("index", 0);
		stream.event("content_block_stop", Json.bytes(blockStop));
		ObjectNode messageDelta = Json.object();
		messageDelta.put("type", "message_delta");
		ObjectNode delta = messageDelta.putObject("delta");
		delta.put("stop_reason", stopReason(answer));
		delta.putNull("stop_sequence");
		ObjectNode deltaUsage = messageDelta.putObject("usage");
		deltaUsage.put("input_tokens", answer.uncachedPromptTokens());
		deltaUsage.put("cache_creation_input_tokens", answer.cacheWriteTokens());
		deltaUsage.put("cache_read_input_tokens", answer.cacheReadTokens());
		deltaUsage.put("output_tokens", stream.writtenTokens());
		stream.event("message_delta", Json.bytes(messageDelta));
		stream.event("message_stop", Json.bytes(Json.object().put("type", "message_stop")));
	}

	private static ObjectNode message(ChatRequest request, Answer answer) {
		ObjectNode message = Json.object();
		message.put("id", answer.id());
		message.put("type", "message");
		message.put("role", "assistant");
		message.put("model", request.model());
		return message;
	}

	private static String stopReason(Answer answer) {
		return answer.truncated() ? "max_tokens" : "end_turn";
	}

	// Anthropic's input_tokens leave out the tokens read from or written to the cache
	private static ObjectNode usage(Answer answer, int outputTokens) {
		ObjectNode usage = Json.object();
		usage.put("input_tokens", answer.uncachedPromptTokens());
		usage.put("cache_creation_input_tokens", answer.cacheWriteTokens());
		usage.put("cache_read_input_tokens", answer.cacheReadTokens());
		ObjectNode creation = usage.putObject("cache_creation");
		creation.put("ephemeral_5m_input_tokens", answer.oneHourCache() ? 0 : answer.cacheWriteTokens());
		creation.put("ephemeral_1h_input_tokens", answer.oneHourCache() ? answer.cacheWriteTokens() : 0);
		usage.put("output_tokens", outputTokens);
		usage.put("service_tier", "standard");
		return usage;
	}

	@Override
	public byte[] invalidRequest(String message, String param, String code) {
		return error("invalid_request_error", message);
	}

	@Override
	public byte[] contextLengthExceeded(int promptTokens, int outputTokens, int contextWindow) {
		return error("invalid_request_error", "input length and `max_tokens` exceed context limit: " + promptTokens
				+ " + " + outputTokens + " > " + contextWindow + ", decrease input length or `max_tokens` and try again");
	}

	@Override
	public byte[] rateLimited(Rejection rejection) {
		String unit = "requests".equals(rejection.window()) ? "requests per minute" : "input and output tokens per minute";
		String message;
		if (rejection.tooLarge()) {
			message = "This request would exceed the rate limit for your organization of " + rejection.limit() + " "
					+ unit + " on its own (" + rejection.requested() + " requested).";
		}
		else if (rejection.limit() == 0) {
			message = "This request would exceed your organization's rate limit of " + unit
					+ " (forced by the simulator). Please try again in " + rejection.retryAfterText() + ".";
		}
		else {
			message = "This request would exceed the rate limit for your organization of " + rejection.limit() + " "
					+ unit + " (" + rejection.used() + " used, " + rejection.requested()
					+ " requested). Please try again in " + rejection.retryAfterText() + ".";
		}
		return error("rate_limit_error", message);
	}

	@Override
	public byte[] transientFailure(int status) {
		return switch (status) {
			case 503, 529 -> error("overloaded_error", "Overloaded");
			case 504 -> error("timeout_error", "Request timed out");
			default -> error("api_error", "Internal server error");
		};
	}

	@Override
	public byte[] notFound(int status, String method, String path) {
		return error("not_found_error", "Not found: " + method + " " + path);
	}

	static byte[] error(String type, String message) {
		ObjectNode body = Json.object();
		body.put("type", "error");
		ObjectNode error = body.putObject("error");
		error.put("type", type);
		error.put("message", message);
		return Json.bytes(body);
	}

}

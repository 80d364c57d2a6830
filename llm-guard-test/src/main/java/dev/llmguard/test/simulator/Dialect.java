package dev.llmguard.test.simulator;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;

import com.sun.net.httpserver.Headers;
import tools.jackson.databind.JsonNode;

/**
 * The wire format of one provider: how requests are read and answers, errors and rate-limit
 * headers are written.
 */
interface Dialect {

	/**
	 * Reads a request body.
	 * @param body the parsed JSON
	 * @return the request
	 * @throws InvalidRequestException when a required member is missing or has the wrong type
	 */
	ChatRequest parse(JsonNode body);

	/**
	 * The output the request asks for when it states no limit.
	 * @param request the request
	 * @param outputTokens the configured answer length
	 * @return the output tokens charged and checked against the context window
	 */
	default int requestedOutput(ChatRequest request, int outputTokens) {
		return (request.maxTokens() != null) ? request.maxTokens() : outputTokens;
	}

	/**
	 * A new response id.
	 * @param sequence a number unique within this simulator
	 * @return the id
	 */
	String newId(long sequence);

	/**
	 * Adds the rate-limit headers of this provider.
	 * @param headers the response headers
	 * @param windows the simulator's windows
	 * @param now the simulator's time
	 */
	void rateLimitHeaders(Headers headers, RateWindows.Snapshot windows, Instant now);

	/**
	 * A non-streamed answer that calls the request's {@link ChatRequest#offeredTool() offered tool} with
	 * empty arguments, or {@code null} when the dialect answers tool calls as text.
	 */
	default byte[] toolCall(ChatRequest request, Answer answer) {
		return null;
	}

	/**
	 * Writes a complete answer.
	 * @param request the request
	 * @param answer the answer
	 * @return the body
	 */
	byte[] completion(ChatRequest request, Answer answer);

	/**
	 * Streams an answer as server-sent events.
	 * @param request the request
	 * @param answer the answer
	 * @param stream where to write
	 * @throws IOException when the client has gone
	 */
	void stream(ChatRequest request, Answer answer, EventStream stream) throws IOException;

	/**
	 * A 400 body.
	 * @param message what is wrong
	 * @param param the offending member, may be {@code null}
	 * @param code a machine-readable code, may be {@code null}
	 * @return the body
	 */
	byte[] invalidRequest(String message, String param, String code);

	/**
	 * A 400 body for a prompt and output that do not fit the context window.
	 * @param promptTokens the prompt tokens
	 * @param outputTokens the requested output tokens
	 * @param contextWindow the window
	 * @return the body
	 */
	byte[] contextLengthExceeded(int promptTokens, int outputTokens, int contextWindow);

	/**
	 * A 429 body.
	 * @param rejection why and for how long
	 * @return the body
	 */
	byte[] rateLimited(Rejection rejection);

	/**
	 * A 5xx body for a transient failure.
	 * @param status 500, 503 or 529
	 * @return the body
	 */
	byte[] transientFailure(int status);

	/**
	 * A 404 or 405 body.
	 * @param status 404 or 405
	 * @param method the request method
	 * @param path the request path
	 * @return the body
	 */
	byte[] notFound(int status, String method, String path);

	/**
	 * Why a request was answered 429.
	 * @param model the requested model, may be {@code null}
	 * @param window {@code "requests"} or {@code "tokens"}
	 * @param limit the window's limit, {@code 0} when the 429 was forced
	 * @param used what the window already holds
	 * @param requested what the request asked for
	 * @param retryAfter how long until it would fit
	 * @param tooLarge whether the request can never fit the tokens window
	 */
	record Rejection(String model, String window, long limit, long used, long requested, Duration retryAfter,
			boolean tooLarge) {

		String retryAfterText() {
			return ProviderSimulator.formatDuration(this.retryAfter);
		}

	}

}

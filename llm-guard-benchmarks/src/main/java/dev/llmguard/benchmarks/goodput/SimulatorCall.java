package dev.llmguard.benchmarks.goodput;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

import dev.llmguard.core.LlmGuardContext;
import dev.llmguard.core.model.Usage;
import dev.llmguard.core.retry.ProviderResponseException;
import dev.llmguard.core.retry.RetryAfter;

/**
 * The provider call of the goodput benchmark: {@code POST /v1/chat/completions} to the simulator over
 * loopback HTTP, as an application's own client would make it inside a guarded call. It reports the
 * usage of the answer to the guard and turns an error status into a {@link ProviderResponseException},
 * which the guard classifies (429 with {@code Retry-After} is retried).
 */
public final class SimulatorCall {

	private static final ObjectMapper JSON = new ObjectMapper();

	private final HttpClient client;

	private final URI endpoint;

	/** The answer length every call asks for. */
	public static final int MAX_TOKENS = 64;

	private final int maxTokens;

	/** Whether answers' rate-limit headers are handed to the guard, as a user's own client would. */
	private final boolean reportsRateLimits;

	public SimulatorCall(String openAiBaseUrl) {
		this(openAiBaseUrl, false);
	}

	/**
	 * @param openAiBaseUrl the simulator's OpenAI base URL
	 * @param reportsRateLimits whether every answer's rate-limit headers go to
	 * {@link LlmGuardContext#recordRateLimitHeaders(java.util.function.Function)}
	 */
	public SimulatorCall(String openAiBaseUrl, boolean reportsRateLimits) {
		this.reportsRateLimits = reportsRateLimits;
		this.client = HttpClient.newBuilder()
			.version(HttpClient.Version.HTTP_1_1)
			.connectTimeout(Duration.ofSeconds(5))
			.build();
		this.endpoint = URI.create(openAiBaseUrl + "/chat/completions");
		this.maxTokens = MAX_TOKENS;
	}

	/**
	 * Calls the model the guard chose.
	 * @return the usage the simulator reported
	 */
	public Usage call(LlmGuardContext context, String prompt) throws IOException, InterruptedException {
		ObjectNode body = JSON.createObjectNode();
		body.put("model", context.model());
		body.put("max_tokens", this.maxTokens);
		body.putArray("messages").addObject().put("role", "user").put("content", prompt);
		HttpRequest request = HttpRequest.newBuilder(this.endpoint)
			.timeout(Duration.ofSeconds(30))
			.header("Content-Type", "application/json")
			.header("Authorization", "Bearer offline")
			.POST(HttpRequest.BodyPublishers.ofString(body.toString()))
			.build();
		HttpResponse<String> response = this.client.send(request, HttpResponse.BodyHandlers.ofString());
		if (this.reportsRateLimits) {
			context.recordRateLimitHeaders((name) -> response.headers().firstValue(name).orElse(null));
		}
		if (response.statusCode() != 200) {
			Duration retryAfter = RetryAfter.parse(response.headers().firstValue("retry-after").orElse(null),
					java.time.Instant.now());
			throw new ProviderResponseException(response.statusCode(), errorCode(response.body()), retryAfter,
					"simulator answered " + response.statusCode());
		}
		JsonNode usage = JSON.readTree(response.body()).path("usage");
		Usage used = new Usage(usage.path("prompt_tokens").asLong(), usage.path("completion_tokens").asLong());
		context.recordUsage(used);
		return used;
	}

	private static String errorCode(String body) {
		try {
			JsonNode error = JSON.readTree(body).path("error");
			return error.path("code").asString(error.path("type").asString(null));
		}
		catch (RuntimeException ex) {
			return null;
		}
	}

}

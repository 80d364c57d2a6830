package dev.llmguard.springai;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.ai.anthropic.AnthropicChatModel;
import org.springframework.ai.anthropic.AnthropicChatOptions;
import org.springframework.ai.chat.prompt.Prompt;

import dev.llmguard.core.retry.ErrorClassification;
import dev.llmguard.core.retry.ErrorClassifiers;
import dev.llmguard.core.retry.FailureKind;
import dev.llmguard.test.provider.ProviderErrorBodies;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * Anthropic's errors as its API sends them, read by Spring AI's real Anthropic model and SDK (without
 * the SDK's own retries), classified as the engine classifies them: its classifiers asked for the
 * error and each cause.
 */
class AnthropicSdkErrorClassifierTests {

	private static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");

	private HttpServer server;

	private volatile int status;

	private volatile String body;

	private volatile String contentType = "application/json";

	private volatile Map<String, String> headers = Map.of();

	private final ErrorClassifiers classifiers = new ErrorClassifiers(
			List.of(new AnthropicSdkErrorClassifier(Clock.fixed(NOW, ZoneOffset.UTC)), new SpringAiErrorClassifier()));

	@BeforeEach
	void start() throws IOException {
		this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
		this.server.createContext("/v1/messages", (exchange) -> {
			exchange.getRequestBody().readAllBytes();
			byte[] answer = this.body.getBytes(StandardCharsets.UTF_8);
			exchange.getResponseHeaders().set("Content-Type", this.contentType);
			this.headers.forEach(exchange.getResponseHeaders()::set);
			exchange.sendResponseHeaders(this.status, answer.length);
			try (OutputStream out = exchange.getResponseBody()) {
				out.write(answer);
			}
		});
		this.server.start();
	}

	@AfterEach
	void stop() {
		this.server.stop(0);
	}

	private AnthropicChatModel chatModel(String baseUrl) {
		return AnthropicChatModel.builder()
			.options(AnthropicChatOptions.builder()
				.baseUrl(baseUrl)
				.apiKey("test")
				.model("claude-sonnet-4-5")
				.maxTokens(100)
				.maxRetries(0)
				.build())
			.build();
	}

	private ErrorClassification answer(int status, String body, Map<String, String> headers) {
		this.status = status;
		this.body = body;
		this.headers = headers;
		AnthropicChatModel model = chatModel("http://127.0.0.1:" + this.server.getAddress().getPort());
		Throwable error = catchThrowable(() -> model.call(new Prompt("Hello")));
		assertThat(error).as("the call fails").isNotNull();
		return this.classifiers.classify(error);
	}

	@Test
	void aRateLimitIsRetriedAfterTheDelayAnthropicAsksFor() {
		ErrorClassification classification = answer(429, ProviderErrorBodies.ANTHROPIC_RATE_LIMIT,
				Map.of("retry-after", "7", "anthropic-ratelimit-input-tokens-remaining", "0",
						"anthropic-ratelimit-input-tokens-reset", "2026-12-01T10:00:30Z"));

		assertThat(classification.kind()).isEqualTo(FailureKind.RATE_LIMITED);
		assertThat(classification.status()).isEqualTo(429);
		assertThat(classification.retryAfter()).isEqualTo(Duration.ofSeconds(7));
	}

	@Test
	void withoutRetryAfterTheResetOfTheSpentLimitIsTheDelay() {
		ErrorClassification classification = answer(429, ProviderErrorBodies.ANTHROPIC_RATE_LIMIT,
				Map.of("anthropic-ratelimit-requests-remaining", "3", "anthropic-ratelimit-requests-reset",
						"2026-12-01T10:00:05Z", "anthropic-ratelimit-output-tokens-remaining", "0",
						"anthropic-ratelimit-output-tokens-reset", "2026-12-01T10:00:12Z"));

		assertThat(classification.kind()).isEqualTo(FailureKind.RATE_LIMITED);
		assertThat(classification.retryAfter()).isEqualTo(Duration.ofSeconds(12));
	}

	@Test
	void anOverloadedApiIsRetryableAndCoolsTheModelDown() {
		ErrorClassification classification = answer(529, ProviderErrorBodies.ANTHROPIC_OVERLOADED, Map.of());

		assertThat(classification.kind()).isEqualTo(FailureKind.OVERLOADED);
		assertThat(classification.status()).isEqualTo(529);
	}

	@Test
	void serverErrorsAreTransient() {
		assertThat(answer(500, "{\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"Internal server error\"}}",
				Map.of()).kind()).isEqualTo(FailureKind.TRANSIENT);
	}

	@Test
	void aSpentCreditBalanceOrUsageLimitIsNeverRetriedButMayFailOver() {
		for (String body : List.of(ProviderErrorBodies.ANTHROPIC_CREDIT_BALANCE, ProviderErrorBodies.ANTHROPIC_USAGE_LIMIT)) {
			ErrorClassification classification = answer(400, body, Map.of());
			assertThat(classification.kind()).as(body).isEqualTo(FailureKind.QUOTA_EXHAUSTED);
			assertThat(classification.kind().isRetryable()).isFalse();
			assertThat(classification.kind().allowsFailover()).isTrue();
		}
		assertThat(answer(402, "{\"type\":\"error\",\"error\":{\"type\":\"billing_error\",\"message\":\"Billing\"}}",
				Map.of()).kind()).isEqualTo(FailureKind.QUOTA_EXHAUSTED);
	}

	@Test
	void aPromptTooLongMayFitTheNextModelAndOtherClientErrorsAreFinal() {
		assertThat(answer(400, "{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\","
				+ "\"message\":\"prompt is too long: 208310 tokens > 200000 maximum\"}}", Map.of()).kind())
			.isEqualTo(FailureKind.CONTEXT_LENGTH);
		assertThat(answer(401, "{\"type\":\"error\",\"error\":{\"type\":\"authentication_error\","
				+ "\"message\":\"invalid x-api-key\"}}", Map.of()).kind()).isEqualTo(FailureKind.NON_RETRYABLE);
	}

	@Test
	void anOverloadedErrorInsideAStreamIsRetryable() {
		this.contentType = "text/event-stream";
		this.status = 200;
		this.headers = Map.of();
		this.body = """
				event: message_start
				data: {"type":"message_start","message":{"id":"msg_01","type":"message","role":"assistant","content":[],"model":"claude-sonnet-4-5","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":10,"output_tokens":1}}}

				event: error
				data: %s

				""".formatted(ProviderErrorBodies.ANTHROPIC_OVERLOADED.replace("\n", ""));
		AnthropicChatModel model = chatModel("http://127.0.0.1:" + this.server.getAddress().getPort());

		Throwable error = catchThrowable(() -> model.stream(new Prompt("Hello")).collectList().block());

		assertThat(error).isNotNull();
		assertThat(this.classifiers.classify(error).kind()).isEqualTo(FailureKind.OVERLOADED);
	}

	@Test
	void aRefusedConnectionNeverLeftAndIsTransient() throws IOException {
		int port;
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			port = socket.getLocalPort();
		}
		AnthropicChatModel model = chatModel("http://127.0.0.1:" + port);

		ErrorClassification classification = this.classifiers
			.classify(catchThrowable(() -> model.call(new Prompt("Hello"))));

		assertThat(classification.kind()).isEqualTo(FailureKind.TRANSIENT);
		assertThat(classification.outcomeUnknown()).isFalse();
	}

}

package dev.llmguard.springai;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.openai.OpenAiChatModel;
import org.springframework.ai.openai.OpenAiChatOptions;
import org.springframework.web.client.RestClient;

import dev.llmguard.core.retry.ErrorClassification;
import dev.llmguard.core.retry.FailureKind;
import dev.llmguard.http.RestClientErrorClassifier;
import dev.llmguard.test.provider.ProviderErrorBodies;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * 429 answers in the providers' own words, read by the real OpenAI SDK (Gemini has an OpenAI-style
 * endpoint) and Spring's RestClient: only an explicitly spent quota is not retried.
 */
class QuotaErrorClassificationTests {

	private HttpServer server;

	private volatile String body;

	@BeforeEach
	void start() throws IOException {
		this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
		this.server.createContext("/", (exchange) -> {
			exchange.getRequestBody().readAllBytes();
			byte[] answer = this.body.getBytes(StandardCharsets.UTF_8);
			exchange.getResponseHeaders().set("Content-Type", "application/json");
			exchange.sendResponseHeaders(429, answer.length);
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

	private String baseUrl() {
		return "http://127.0.0.1:" + this.server.getAddress().getPort();
	}

	private ErrorClassification throughOpenAiSdk(String body) {
		this.body = body;
		OpenAiChatModel model = OpenAiChatModel.builder()
			.options(OpenAiChatOptions.builder().baseUrl(baseUrl() + "/v1").apiKey("test").model("gemini-2.5-flash")
				.maxRetries(0).build())
			.build();
		Throwable error = catchThrowable(() -> model.call(new Prompt("Hello")));
		for (Throwable cause = error; cause != null; cause = cause.getCause()) {
			ErrorClassification classification = new OpenAiSdkErrorClassifier().classify(cause);
			if (classification != null) {
				return classification;
			}
		}
		throw new AssertionError("the OpenAI SDK classifier did not recognise " + error);
	}

	private ErrorClassification throughRestClient(String body) {
		this.body = body;
		Throwable error = catchThrowable(() -> RestClient.create(baseUrl())
			.post()
			.uri("/v1beta/models/gemini-2.5-flash:generateContent")
			.body("{}")
			.retrieve()
			.toBodilessEntity());
		return new RestClientErrorClassifier().classify(error);
	}

	@Test
	void geminisPerMinuteQuotaIsARateLimitWithItsRetryDelay() {
		ErrorClassification rest = throughRestClient(ProviderErrorBodies.GEMINI_PER_MINUTE);
		assertThat(rest.kind()).isEqualTo(FailureKind.RATE_LIMITED);
		assertThat(rest.retryAfter()).isEqualTo(Duration.ofSeconds(37));
		// Gemini's OpenAI-style endpoint answers with the same error inside an array
		ErrorClassification sdk = throughOpenAiSdk("[" + ProviderErrorBodies.GEMINI_PER_MINUTE + "]");
		assertThat(sdk.kind()).isEqualTo(FailureKind.RATE_LIMITED);
	}

	@Test
	void geminisDailyQuotaIsExhausted() {
		assertThat(throughRestClient(ProviderErrorBodies.GEMINI_PER_DAY).kind()).isEqualTo(FailureKind.QUOTA_EXHAUSTED);
		assertThat(throughOpenAiSdk("[" + ProviderErrorBodies.GEMINI_PER_DAY + "]").kind())
			.isEqualTo(FailureKind.QUOTA_EXHAUSTED);
	}

	@Test
	void openAisInsufficientQuotaIsExhaustedAndItsRequestsPerDayLimitIsARateLimit() {
		assertThat(throughOpenAiSdk(ProviderErrorBodies.OPENAI_INSUFFICIENT_QUOTA).kind())
			.isEqualTo(FailureKind.QUOTA_EXHAUSTED);
		assertThat(throughOpenAiSdk(ProviderErrorBodies.OPENAI_REQUESTS_PER_DAY).kind())
			.isEqualTo(FailureKind.RATE_LIMITED);
		assertThat(throughRestClient(ProviderErrorBodies.OPENAI_INSUFFICIENT_QUOTA).kind())
			.isEqualTo(FailureKind.QUOTA_EXHAUSTED);
	}

}

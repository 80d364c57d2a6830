package dev.llmguard.test.simulator;

import java.net.http.HttpResponse;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static dev.llmguard.test.simulator.SimulatorHttp.CL100K;
import static dev.llmguard.test.simulator.SimulatorHttp.dataLines;
import static dev.llmguard.test.simulator.SimulatorHttp.eventNames;
import static dev.llmguard.test.simulator.SimulatorHttp.json;
import static dev.llmguard.test.simulator.SimulatorHttp.promptTokens;
import static org.assertj.core.api.Assertions.assertThat;

class AnthropicMessagesTests {

	private static final ManualClock clock = new ManualClock();

	private static ProviderSimulator simulator;

	private static SimulatorHttp http;

	@BeforeAll
	static void start() {
		simulator = ProviderSimulator.builder().clock(clock).requestsPerMinute(5).tokensPerMinute(10_000).build().start();
		http = new SimulatorHttp(simulator);
	}

	@AfterAll
	static void stop() {
		simulator.stop();
	}

	@BeforeEach
	void reset() {
		simulator.reset();
	}

	private static final String REQUEST = """
			{"model": "claude-sonnet-4-5", "max_tokens": 1024,
			 "system": "Be brief.",
			 "messages": [{"role": "user", "content": "What is a token?"},
			              {"role": "assistant", "content": [{"type": "text", "text": "A piece of text."}]},
			              {"role": "user", "content": "And a bucket?"}]%s}""";

	@Test
	void answersAMessageWithUsage() {
		HttpResponse<String> response = http.post("/v1/messages", REQUEST.formatted(""));

		assertThat(response.statusCode()).isEqualTo(200);
		JsonNode body = json(response);
		assertThat(body.get("id").stringValue()).startsWith("msg_");
		assertThat(body.get("type").stringValue()).isEqualTo("message");
		assertThat(body.get("role").stringValue()).isEqualTo("assistant");
		assertThat(body.get("model").stringValue()).isEqualTo("claude-sonnet-4-5");
		assertThat(body.at("/content/0/type").stringValue()).isEqualTo("text");
		assertThat(CL100K.countTokensOrdinary(body.at("/content/0/text").stringValue())).isEqualTo(40);
		assertThat(body.get("stop_reason").stringValue()).isEqualTo("end_turn");
		assertThat(body.get("stop_sequence").isNull()).isTrue();
		int expectedInput = promptTokens(CL100K, "system", "Be brief.", "user", "What is a token?", "assistant",
				"A piece of text.", "user", "And a bucket?");
		assertThat(body.at("/usage/input_tokens").intValue()).isEqualTo(expectedInput);
		assertThat(body.at("/usage/output_tokens").intValue()).isEqualTo(40);
		assertThat(body.at("/usage/cache_creation_input_tokens").intValue()).isZero();
		assertThat(body.at("/usage/cache_read_input_tokens").intValue()).isZero();
		assertThat(response.headers().firstValue("anthropic-ratelimit-requests-limit")).hasValue("5");
		assertThat(response.headers().firstValue("anthropic-ratelimit-requests-remaining")).hasValue("4");
		// one of five requests used: the bucket is full again after a fifth of a minute
		assertThat(response.headers().firstValue("anthropic-ratelimit-requests-reset"))
			.hasValue("2026-01-01T00:00:12Z");
		assertThat(response.headers().firstValue("anthropic-ratelimit-tokens-remaining"))
			.hasValue(Long.toString(10_000 - expectedInput - 1024));
		assertThat(simulator.stats()).isEqualTo(new SimulatorStats(1, 1, 0, 0, expectedInput, 40));
	}

	@Test
	void stopsAtMaxTokens() {
		JsonNode body = json(http.post("/v1/messages", """
				{"model": "claude-haiku-4-5", "max_tokens": 4, "messages": [{"role": "user", "content": "Hi"}]}"""));

		assertThat(body.get("stop_reason").stringValue()).isEqualTo("max_tokens");
		assertThat(body.at("/usage/output_tokens").intValue()).isEqualTo(4);
	}

	@Test
	void streamsMessageEvents() {
		HttpResponse<String> response = http.post("/v1/messages", REQUEST.formatted(", \"stream\": true"));

		assertThat(response.statusCode()).isEqualTo(200);
		List<String> events = eventNames(response.body());
		assertThat(events.get(0)).isEqualTo("message_start");
		assertThat(events).containsSubsequence("message_start", "content_block_start", "content_block_delta",
				"content_block_stop", "message_delta", "message_stop");
		List<JsonNode> data = dataLines(response.body()).stream().map(SimulatorHttp.JSON::readTree).toList();
		assertThat(data).hasSameSizeAs(events);
		StringBuilder text = new StringBuilder();
		data.stream()
			.filter((event) -> event.get("type").stringValue().equals("content_block_delta"))
			.forEach((event) -> text.append(event.at("/delta/text").stringValue()));
		assertThat(CL100K.countTokensOrdinary(text.toString())).isEqualTo(40);
		JsonNode messageDelta = data.get(events.indexOf("message_delta"));
		assertThat(messageDelta.at("/delta/stop_reason").stringValue()).isEqualTo("end_turn");
		assertThat(messageDelta.at("/usage/output_tokens").intValue()).isEqualTo(40);
		assertThat(data.get(0).at("/message/usage/input_tokens").intValue()).isPositive();
	}

	@Test
	void answersAnthropicStyle429() {
		simulator.update((settings) -> settings.requestsPerMinute(1));
		assertThat(http.post("/v1/messages", REQUEST.formatted("")).statusCode()).isEqualTo(200);

		HttpResponse<String> limited = http.post("/v1/messages", REQUEST.formatted(""));

		assertThat(limited.statusCode()).isEqualTo(429);
		assertThat(limited.headers().firstValue("retry-after")).hasValue("60");
		assertThat(limited.headers().firstValue("anthropic-ratelimit-requests-remaining")).hasValue("0");
		JsonNode body = json(limited);
		assertThat(body.get("type").stringValue()).isEqualTo("error");
		assertThat(body.at("/error/type").stringValue()).isEqualTo("rate_limit_error");
		assertThat(body.at("/error/message").stringValue()).contains("1 requests per minute");
	}

	@Test
	void answersOverloadedWith529() {
		simulator.failNextRequests(1, 529);

		HttpResponse<String> response = http.post("/v1/messages", REQUEST.formatted(""));

		assertThat(response.statusCode()).isEqualTo(529);
		assertThat(json(response).at("/error/type").stringValue()).isEqualTo("overloaded_error");
	}

	@Test
	void answersInvalidRequestsAnthropicStyle() {
		HttpResponse<String> missingMaxTokens = http.post("/v1/messages", """
				{"model": "claude-sonnet-4-5", "messages": [{"role": "user", "content": "Hi"}]}""");
		HttpResponse<String> malformed = http.post("/v1/messages", "{\"model\":");

		assertThat(missingMaxTokens.statusCode()).isEqualTo(400);
		assertThat(json(missingMaxTokens).at("/error/type").stringValue()).isEqualTo("invalid_request_error");
		assertThat(json(missingMaxTokens).at("/error/message").stringValue()).isEqualTo("max_tokens: Field required");
		assertThat(malformed.statusCode()).isEqualTo(400);
		assertThat(json(malformed).get("type").stringValue()).isEqualTo("error");
	}

	@Test
	void rejectsAPromptPastTheContextWindow() {
		simulator.update((settings) -> settings.contextWindow(1000));

		HttpResponse<String> response = http.post("/v1/messages", REQUEST.formatted(""));

		assertThat(response.statusCode()).isEqualTo(400);
		assertThat(json(response).at("/error/message").stringValue())
			.startsWith("input length and `max_tokens` exceed context limit:")
			.contains("+ 1024 > 1000");
	}

}

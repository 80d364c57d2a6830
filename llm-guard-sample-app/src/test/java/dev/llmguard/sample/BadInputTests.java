package dev.llmguard.sample;

import java.util.Collections;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import org.springframework.http.MediaType;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.argumentSet;

/**
 * Bad input is the client's fault: 400 {@code invalid_request} as problem+json, never a 500, and the
 * provider is never asked.
 */
class BadInputTests extends ShippedConfigurationTestBase {

	static Stream<Arguments> badRequests() {
		String longPrompt = "x".repeat(20_001);
		String longDocument = "y".repeat(20_001);
		return Stream.of(argumentSet("chat without a body", "/api/chat", null),
				argumentSet("chat with an empty body", "/api/chat", ""),
				argumentSet("chat with malformed JSON", "/api/chat", "{\"prompt\": \"hi\""),
				argumentSet("chat with a JSON array", "/api/chat", "[\"hi\"]"),
				argumentSet("chat without a prompt", "/api/chat", "{}"),
				argumentSet("chat with an empty prompt", "/api/chat", "{\"prompt\": \"\"}"),
				argumentSet("chat with a blank prompt", "/api/chat", "{\"prompt\": \"  \\n \"}"),
				argumentSet("chat with a prompt too long", "/api/chat", SampleApi.json(Map.of("prompt", longPrompt))),
				argumentSet("chat with a prompt that is an object", "/api/chat", "{\"prompt\": {\"text\": \"hi\"}}"),
				argumentSet("chat with priority 0", "/api/chat", "{\"prompt\": \"hi\", \"priority\": 0}"),
				argumentSet("chat with priority 11", "/api/chat", "{\"prompt\": \"hi\", \"priority\": 11}"),
				argumentSet("chat with a text priority", "/api/chat", "{\"prompt\": \"hi\", \"priority\": \"high\"}"),
				argumentSet("chat with a huge priority", "/api/chat", "{\"prompt\": \"hi\", \"priority\": 1e400}"),
				argumentSet("chat with a tenant that is a list", "/api/chat", "{\"prompt\": \"hi\", \"tenant\": [1]}"),
				argumentSet("batch without a body", "/api/batch/summarize", null),
				argumentSet("batch without documents", "/api/batch/summarize", "{\"session\": \"s\"}"),
				argumentSet("batch with no documents", "/api/batch/summarize", "{\"session\": \"s\", \"documents\": []}"),
				argumentSet("batch with 51 documents", "/api/batch/summarize",
						SampleApi.json(Map.of("session", "s", "documents", Collections.nCopies(51, "doc")))),
				argumentSet("batch with a blank document", "/api/batch/summarize",
						"{\"session\": \"s\", \"documents\": [\"ok\", \" \"]}"),
				argumentSet("batch with a null document", "/api/batch/summarize",
						"{\"session\": \"s\", \"documents\": [null]}"),
				argumentSet("batch with a document too long", "/api/batch/summarize",
						SampleApi.json(Map.of("session", "s", "documents", java.util.List.of(longDocument)))),
				argumentSet("batch with documents that are a string", "/api/batch/summarize",
						"{\"session\": \"s\", \"documents\": \"doc\"}"),
				argumentSet("batch without a session", "/api/batch/summarize", "{\"documents\": [\"doc\"]}"),
				argumentSet("tool without a body", "/api/tools/search_products", null),
				argumentSet("tool with a blank query", "/api/tools/search_products", "{\"query\": \" \"}"),
				argumentSet("tool with malformed JSON", "/api/tools/search_products", "{query: shoes}"));
	}

	@ParameterizedTest
	@MethodSource("badRequests")
	void isA400InvalidRequestProblem(String path, String body) {
		SampleApi.Response response = this.api.post(path, body);

		assertThat(response.status()).isEqualTo(400);
		assertThat(response.contentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
		assertThat(response.json().get("code").asString()).isEqualTo("invalid_request");
		assertThat(response.json().get("status").asInt()).isEqualTo(400);
		assertThat(this.simulator.stats().requests()).isZero();
	}

	@ParameterizedTest
	@MethodSource("endpoints")
	void aBodyThatIsNotJsonIsA415Problem(String path) {
		SampleApi.Response response = this.api.post(path, "prompt=hi", MediaType.APPLICATION_FORM_URLENCODED);

		assertThat(response.status()).isEqualTo(415);
		assertThat(response.contentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
		assertThat(response.json().get("code").asString()).isEqualTo("unsupported_media_type");
	}

	static Stream<String> endpoints() {
		return Stream.of("/api/chat", "/api/batch/summarize", "/api/tools/search_products");
	}

}

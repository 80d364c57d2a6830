package dev.llmguard.test.simulator;

import java.net.http.HttpResponse;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static dev.llmguard.test.simulator.SimulatorHttp.CL100K;
import static dev.llmguard.test.simulator.SimulatorHttp.O200K;
import static dev.llmguard.test.simulator.SimulatorHttp.dataLines;
import static dev.llmguard.test.simulator.SimulatorHttp.json;
import static dev.llmguard.test.simulator.SimulatorHttp.promptTokens;
import static org.assertj.core.api.Assertions.assertThat;

class OpenAiChatCompletionsTests {

	private static ProviderSimulator simulator;

	private static SimulatorHttp http;

	@BeforeAll
	static void start() {
		simulator = ProviderSimulator.builder().clock(new ManualClock()).build().start();
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

	@Test
	void answersWithUsageCountedExactlyByJtokkit() {
		HttpResponse<String> response = http.post("/v1/chat/completions", """
				{"model": "gpt-4o-mini",
				 "messages": [
				   {"role": "system", "content": "You are a terse assistant."},
				   {"role": "user", "content": "Summarise the plot of Hamlet in one line, please."}
				 ]}""");

		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
		JsonNode body = json(response);
		int expectedPrompt = promptTokens(O200K, "system", "You are a terse assistant.", "user",
				"Summarise the plot of Hamlet in one line, please.");
		assertThat(body.get("object").stringValue()).isEqualTo("chat.completion");
		assertThat(body.get("id").stringValue()).startsWith("chatcmpl-");
		assertThat(body.get("model").stringValue()).isEqualTo("gpt-4o-mini");
		assertThat(body.get("created").longValue()).isEqualTo(new ManualClock().instant().getEpochSecond());
		JsonNode choice = body.get("choices").get(0);
		assertThat(choice.get("index").intValue()).isZero();
		assertThat(choice.get("finish_reason").stringValue()).isEqualTo("stop");
		assertThat(choice.at("/message/role").stringValue()).isEqualTo("assistant");
		String content = choice.at("/message/content").stringValue();
		assertThat(O200K.countTokensOrdinary(content)).isEqualTo(40);
		JsonNode usage = body.get("usage");
		assertThat(usage.get("prompt_tokens").intValue()).isEqualTo(expectedPrompt);
		assertThat(usage.get("completion_tokens").intValue()).isEqualTo(40);
		assertThat(usage.get("total_tokens").intValue()).isEqualTo(expectedPrompt + 40);
		assertThat(usage.at("/prompt_tokens_details/cached_tokens").intValue()).isZero();
		assertThat(usage.at("/completion_tokens_details/reasoning_tokens").intValue()).isZero();
		assertThat(simulator.stats()).isEqualTo(new SimulatorStats(1, 1, 0, 0, expectedPrompt, 40));
	}

	@Test
	void countsOlderModelsWithCl100k() {
		String prompt = "Tokenizers differ between model generations: ünïcödé, emoji 🚀 and code `x += 1`.";
		JsonNode body = json(http.chat("gpt-4-turbo", prompt));

		assertThat(body.at("/usage/prompt_tokens").intValue()).isEqualTo(promptTokens(CL100K, "user", prompt));
		assertThat(CL100K.countTokensOrdinary(body.at("/choices/0/message/content").stringValue())).isEqualTo(40);
	}

	@Test
	void shortensTheAnswerToMaxTokensAndSaysLength() {
		JsonNode viaMaxTokens = json(http.post("/v1/chat/completions", """
				{"model": "gpt-4o", "max_tokens": 7, "messages": [{"role": "user", "content": "Hi"}]}"""));
		JsonNode viaMaxCompletionTokens = json(http.post("/v1/chat/completions", """
				{"model": "gpt-4o", "max_completion_tokens": 5, "max_tokens": 7,
				 "messages": [{"role": "user", "content": "Hi"}]}"""));

		assertThat(viaMaxTokens.at("/usage/completion_tokens").intValue()).isEqualTo(7);
		assertThat(O200K.countTokensOrdinary(viaMaxTokens.at("/choices/0/message/content").stringValue())).isEqualTo(7);
		assertThat(viaMaxTokens.at("/choices/0/finish_reason").stringValue()).isEqualTo("length");
		assertThat(viaMaxCompletionTokens.at("/usage/completion_tokens").intValue()).isEqualTo(5);
	}

	@Test
	void writesAnswersOfAnyConfiguredLength() {
		for (int length : new int[] { 1, 2, 3, 17, 250 }) {
			simulator.update((settings) -> settings.outputTokens(length));
			JsonNode body = json(http.chat("gpt-4o", "length " + length));
			assertThat(O200K.countTokensOrdinary(body.at("/choices/0/message/content").stringValue()))
				.isEqualTo(length);
			assertThat(body.at("/usage/completion_tokens").intValue()).isEqualTo(length);
		}
	}

	@Test
	void readsContentPartsAndIgnoresUnknownMembers() {
		JsonNode body = json(http.post("/v1/chat/completions", """
				{"model": "gpt-4o", "temperature": 0.2, "n": 1, "user": "u-1", "tools": [],
				 "future_member": {"nested": [1, 2, 3]},
				 "messages": [{"role": "user", "unknown": true, "content": [
				   {"type": "text", "text": "First part."},
				   {"type": "text", "text": " Second part."}]}]}"""));

		int expected = 3 + 3 + O200K.countTokensOrdinary("user") + O200K.countTokensOrdinary("First part.")
				+ O200K.countTokensOrdinary(" Second part.");
		assertThat(body.at("/usage/prompt_tokens").intValue()).isEqualTo(expected);
	}

	@Test
	void answersTheSamePromptWithTheSameText() {
		String first = json(http.chat("gpt-4o", "Same question")).at("/choices/0/message/content").stringValue();
		String second = json(http.chat("gpt-4o", "Same question")).at("/choices/0/message/content").stringValue();
		String other = json(http.chat("gpt-4o", "Other question")).at("/choices/0/message/content").stringValue();

		assertThat(second).isEqualTo(first);
		assertThat(other).isNotEqualTo(first);
	}

	@Test
	void streamsChunksThenAFinishChunkThenAUsageChunk() {
		HttpResponse<String> response = http.post("/v1/chat/completions", """
				{"model": "gpt-4o", "stream": true, "stream_options": {"include_usage": true},
				 "messages": [{"role": "user", "content": "Stream please"}]}""");

		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
				(type) -> assertThat(type).startsWith("text/event-stream"));
		List<String> data = dataLines(response.body());
		assertThat(data.get(data.size() - 1)).isEqualTo("[DONE]");
		List<JsonNode> chunks = data.subList(0, data.size() - 1).stream().map(SimulatorHttp.JSON::readTree).toList();
		assertThat(chunks).allSatisfy((chunk) -> {
			assertThat(chunk.get("object").stringValue()).isEqualTo("chat.completion.chunk");
			assertThat(chunk.get("model").stringValue()).isEqualTo("gpt-4o");
			assertThat(chunk.get("id").stringValue()).isEqualTo(chunks.get(0).get("id").stringValue());
		});
		assertThat(chunks.get(0).at("/choices/0/delta/role").stringValue()).isEqualTo("assistant");
		StringBuilder content = new StringBuilder();
		List<JsonNode> contentChunks = chunks.subList(1, chunks.size() - 2);
		assertThat(contentChunks).hasSizeGreaterThan(5).allSatisfy((chunk) -> {
			assertThat(chunk.at("/choices/0/finish_reason").isNull()).isTrue();
			assertThat(chunk.get("usage").isNull()).isTrue();
			content.append(chunk.at("/choices/0/delta/content").stringValue());
		});
		assertThat(O200K.countTokensOrdinary(content.toString())).isEqualTo(40);
		JsonNode finish = chunks.get(chunks.size() - 2);
		assertThat(finish.at("/choices/0/finish_reason").stringValue()).isEqualTo("stop");
		JsonNode usageChunk = chunks.get(chunks.size() - 1);
		assertThat(usageChunk.get("choices").isEmpty()).isTrue();
		int expectedPrompt = promptTokens(O200K, "user", "Stream please");
		assertThat(usageChunk.at("/usage/prompt_tokens").intValue()).isEqualTo(expectedPrompt);
		assertThat(usageChunk.at("/usage/completion_tokens").intValue()).isEqualTo(40);
		assertThat(usageChunk.at("/usage/total_tokens").intValue()).isEqualTo(expectedPrompt + 40);
		assertThat(simulator.stats()).isEqualTo(new SimulatorStats(1, 1, 0, 0, expectedPrompt, 40));
	}

	@Test
	void streamsWithoutUsageUnlessAskedFor() {
		HttpResponse<String> response = http.post("/v1/chat/completions", """
				{"model": "gpt-4o", "stream": true, "messages": [{"role": "user", "content": "No usage"}]}""");

		List<String> data = dataLines(response.body());
		assertThat(data.get(data.size() - 1)).isEqualTo("[DONE]");
		JsonNode last = SimulatorHttp.JSON.readTree(data.get(data.size() - 2));
		assertThat(last.at("/choices/0/finish_reason").stringValue()).isEqualTo("stop");
		assertThat(data.subList(0, data.size() - 1)).noneMatch((chunk) -> chunk.contains("\"usage\""));
		assertThat(simulator.stats().outputTokens()).isEqualTo(40);
	}

	@Test
	void rejectsAPromptPastTheContextWindow() {
		simulator.update((settings) -> settings.contextWindow(100));
		String prompt = "word ".repeat(80);
		int promptTokens = promptTokens(O200K, "user", prompt);

		HttpResponse<String> response = http.post("/v1/chat/completions", """
				{"model": "gpt-4o", "max_tokens": 30, "messages": [{"role": "user", "content": "%s"}]}"""
			.formatted(prompt));

		assertThat(response.statusCode()).isEqualTo(400);
		JsonNode error = json(response).get("error");
		assertThat(error.get("type").stringValue()).isEqualTo("invalid_request_error");
		assertThat(error.get("code").stringValue()).isEqualTo("context_length_exceeded");
		assertThat(error.get("param").stringValue()).isEqualTo("messages");
		assertThat(error.get("message").stringValue())
			.startsWith("This model's maximum context length is 100 tokens. However, you requested "
					+ (promptTokens + 30) + " tokens (" + promptTokens + " in the messages, 30 in the completion).");
		assertThat(simulator.stats()).isEqualTo(new SimulatorStats(1, 0, 0, 1, 0, 0));
	}

	@Test
	void answersMalformedJsonWithAnOpenAiError() {
		HttpResponse<String> response = http.post("/v1/chat/completions", "{\"model\": \"gpt-4o\", \"messages\": [");

		assertThat(response.statusCode()).isEqualTo(400);
		JsonNode error = json(response).get("error");
		assertThat(error.get("message").stringValue()).startsWith("We could not parse the JSON body of your request.");
		assertThat(error.get("type").stringValue()).isEqualTo("invalid_request_error");
		assertThat(error.get("param").isNull()).isTrue();
		assertThat(error.get("code").isNull()).isTrue();
		assertThat(simulator.stats().failed()).isEqualTo(1);
	}

	@Test
	void answersInvalidRequestsWith400() {
		assertThat(http.post("/v1/chat/completions", "").statusCode()).isEqualTo(400);
		assertThat(http.post("/v1/chat/completions", "[1, 2]").statusCode()).isEqualTo(400);
		assertThat(json(http.post("/v1/chat/completions", "{\"messages\": []}")).at("/error/message").stringValue())
			.isEqualTo("you must provide a model parameter");
		assertThat(json(http.post("/v1/chat/completions", "{\"model\": \"gpt-4o\"}")).at("/error/param").stringValue())
			.isEqualTo("messages");
		assertThat(json(http.post("/v1/chat/completions", "{\"model\": \"gpt-4o\", \"messages\": []}"))
			.at("/error/code")
			.stringValue()).isEqualTo("empty_array");
		HttpResponse<String> badMaxTokens = http.post("/v1/chat/completions", """
				{"model": "gpt-4o", "max_tokens": "ten", "messages": [{"role": "user", "content": "Hi"}]}""");
		assertThat(badMaxTokens.statusCode()).isEqualTo(400);
		assertThat(json(badMaxTokens).at("/error/param").stringValue()).isEqualTo("max_tokens");
		HttpResponse<String> zeroMaxTokens = http.post("/v1/chat/completions", """
				{"model": "gpt-4o", "max_tokens": 0, "messages": [{"role": "user", "content": "Hi"}]}""");
		assertThat(json(zeroMaxTokens).at("/error/code").stringValue()).isEqualTo("integer_below_min_value");
		assertThat(simulator.stats()).isEqualTo(new SimulatorStats(7, 0, 0, 7, 0, 0));
	}

	@Test
	void answersUnknownPathsWith404AndWrongMethodsWith405() {
		HttpResponse<String> notFound = http.post("/v1/embeddings", "{}");
		HttpResponse<String> wrongMethod = http.get("/v1/chat/completions");

		assertThat(notFound.statusCode()).isEqualTo(404);
		assertThat(json(notFound).at("/error/message").stringValue()).isEqualTo("Invalid URL (POST /v1/embeddings)");
		assertThat(wrongMethod.statusCode()).isEqualTo(405);
	}

}

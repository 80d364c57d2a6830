package dev.llmguard.test.simulator;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseStreamEvent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static dev.llmguard.test.simulator.SimulatorHttp.O200K;
import static dev.llmguard.test.simulator.SimulatorHttp.dataLines;
import static dev.llmguard.test.simulator.SimulatorHttp.eventNames;
import static dev.llmguard.test.simulator.SimulatorHttp.json;
import static dev.llmguard.test.simulator.SimulatorHttp.promptTokens;
import static org.assertj.core.api.Assertions.assertThat;

/** OpenAI's Responses API, read by plain HTTP and by the official SDK. */
class OpenAiResponsesTests {

	private static ProviderSimulator simulator;

	private static SimulatorHttp http;

	private static OpenAIClient client;

	@BeforeAll
	static void start() {
		simulator = ProviderSimulator.builder().clock(new ManualClock()).outputTokens(40).build().start();
		http = new SimulatorHttp(simulator);
		client = OpenAIOkHttpClient.builder()
			.baseUrl(simulator.openAiBaseUrl())
			.apiKey("sk-simulator")
			.maxRetries(0)
			.timeout(Duration.ofSeconds(30))
			.build();
	}

	@AfterAll
	static void stop() {
		client.close();
		simulator.stop();
	}

	@BeforeEach
	void reset() {
		simulator.reset();
	}

	@Test
	void answersAStringInputWithUsage() {
		HttpResponse<String> response = http.post("/v1/responses", """
				{"model": "gpt-4o", "instructions": "Be terse.", "input": "Name a river."}""");

		assertThat(response.statusCode()).isEqualTo(200);
		JsonNode body = json(response);
		int expectedPrompt = promptTokens(O200K, "developer", "Be terse.", "user", "Name a river.");
		assertThat(body.get("object").stringValue()).isEqualTo("response");
		assertThat(body.get("status").stringValue()).isEqualTo("completed");
		assertThat(O200K.countTokensOrdinary(body.at("/output/0/content/0/text").stringValue())).isEqualTo(40);
		assertThat(body.at("/usage/input_tokens").intValue()).isEqualTo(expectedPrompt);
		assertThat(body.at("/usage/output_tokens").intValue()).isEqualTo(40);
		assertThat(simulator.stats()).isEqualTo(new SimulatorStats(1, 1, 0, 0, expectedPrompt, 40));
	}

	@Test
	void readsInputItemsAndStopsAtMaxOutputTokens() {
		JsonNode body = json(http.post("/responses", """
				{"model": "gpt-4o", "max_output_tokens": 6, "input": [
				  {"role": "user", "content": [{"type": "input_text", "text": "Weather?"}]},
				  {"type": "function_call", "call_id": "c1", "name": "weather", "arguments": "{}"},
				  {"type": "function_call_output", "call_id": "c1", "output": "sunny"}]}"""));

		int expectedPrompt = 3 + (3 + O200K.countTokensOrdinary("user") + O200K.countTokensOrdinary("Weather?"))
				+ (3 + O200K.countTokensOrdinary("assistant") + O200K.countTokensOrdinary("weather")
						+ O200K.countTokensOrdinary("{}"))
				+ (3 + O200K.countTokensOrdinary("tool") + O200K.countTokensOrdinary("sunny"));
		assertThat(body.at("/usage/input_tokens").intValue()).isEqualTo(expectedPrompt);
		assertThat(body.at("/usage/output_tokens").intValue()).isEqualTo(6);
		assertThat(body.get("status").stringValue()).isEqualTo("incomplete");
		assertThat(body.at("/incomplete_details/reason").stringValue()).isEqualTo("max_output_tokens");
	}

	@Test
	void refusesARequestWithoutInput() {
		HttpResponse<String> response = http.post("/v1/responses", """
				{"model": "gpt-4o"}""");

		assertThat(response.statusCode()).isEqualTo(400);
		assertThat(json(response).at("/error/param").stringValue()).isEqualTo("input");
	}

	@Test
	void streamsDeltasThenACompletedEventWithUsage() {
		HttpResponse<String> response = http.post("/v1/responses", """
				{"model": "gpt-4o", "stream": true, "input": "Stream please"}""");

		List<String> names = eventNames(response.body());
		assertThat(names).startsWith("response.created", "response.in_progress", "response.output_item.added",
				"response.content_part.added", "response.output_text.delta");
		assertThat(names).endsWith("response.output_text.done", "response.content_part.done",
				"response.output_item.done", "response.completed");
		List<String> data = dataLines(response.body());
		JsonNode completed = SimulatorHttp.JSON.readTree(data.get(data.size() - 1));
		assertThat(completed.at("/response/usage/output_tokens").intValue()).isEqualTo(40);
		assertThat(completed.at("/response/usage/input_tokens").intValue())
			.isEqualTo(promptTokens(O200K, "user", "Stream please"));
	}

	@Test
	void theOfficialSdkReadsAResponse() {
		Response response = client.responses()
			.create(ResponseCreateParams.builder().model("gpt-4o-mini").input("Name three rivers.").build());

		response.validate();
		assertThat(response.output()).singleElement()
			.satisfies((item) -> assertThat(item.asMessage().content().get(0).asOutputText().text()).isNotBlank());
		assertThat(response.usage()).hasValueSatisfying((usage) -> assertThat(usage.outputTokens()).isEqualTo(40));
	}

	@Test
	void theOfficialSdkReadsAStream() {
		try (StreamResponse<ResponseStreamEvent> stream = client.responses()
			.createStreaming(ResponseCreateParams.builder().model("gpt-4o-mini").input("Stream it.").build())) {
			List<ResponseStreamEvent> events = stream.stream().toList();
			events.forEach(ResponseStreamEvent::validate);
			ResponseStreamEvent last = events.get(events.size() - 1);
			assertThat(last.isCompleted()).isTrue();
			assertThat(last.asCompleted().response().usage())
				.hasValueSatisfying((usage) -> assertThat(usage.outputTokens()).isEqualTo(40));
		}
	}

}

package dev.llmguard.test.simulator;

import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.InternalServerException;
import com.openai.errors.RateLimitException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.completions.CompletionUsage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static dev.llmguard.test.simulator.SimulatorHttp.O200K;
import static dev.llmguard.test.simulator.SimulatorHttp.promptTokens;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The official OpenAI Java SDK, which Spring AI's OpenAI model uses, reads the simulator's answers.
 */
class OpenAiSdkCompatibilityTests {

	private static final ManualClock clock = new ManualClock();

	private static ProviderSimulator simulator;

	private static OpenAIClient client;

	@BeforeAll
	static void start() {
		simulator = ProviderSimulator.builder().clock(clock).build().start();
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

	private static ChatCompletionCreateParams.Builder params() {
		return ChatCompletionCreateParams.builder()
			.model("gpt-4o-mini")
			.addSystemMessage("You are a helpful assistant.")
			.addUserMessage("Name three rivers.");
	}

	@Test
	void readsACompletion() {
		ChatCompletion completion = client.chat().completions().create(params().build());

		completion.validate();
		assertThat(completion.model()).isEqualTo("gpt-4o-mini");
		assertThat(completion.choices()).hasSize(1);
		assertThat(completion.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
		assertThat(completion.choices().get(0).message().content()).hasValueSatisfying(
				(content) -> assertThat(O200K.countTokensOrdinary(content)).isEqualTo(40));
		CompletionUsage usage = completion.usage().orElseThrow();
		assertThat(usage.promptTokens())
			.isEqualTo(promptTokens(O200K, "system", "You are a helpful assistant.", "user", "Name three rivers."));
		assertThat(usage.completionTokens()).isEqualTo(40);
		assertThat(usage.totalTokens()).isEqualTo(usage.promptTokens() + 40);
	}

	@Test
	void readsAStreamWithItsUsageChunk() {
		ChatCompletionCreateParams params = params().maxCompletionTokens(10)
			.streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build())
			.build();

		List<ChatCompletionChunk> chunks;
		try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(params)) {
			chunks = stream.stream().collect(Collectors.toList());
		}

		chunks.forEach(ChatCompletionChunk::validate);
		String content = chunks.stream()
			.flatMap((chunk) -> chunk.choices().stream())
			.map((choice) -> choice.delta().content().orElse(""))
			.collect(Collectors.joining());
		assertThat(O200K.countTokensOrdinary(content)).isEqualTo(10);
		assertThat(chunks.stream().flatMap((chunk) -> chunk.choices().stream()).filter((c) -> c.finishReason().isPresent()))
			.singleElement()
			.satisfies((choice) -> assertThat(choice.finishReason().get())
				.isEqualTo(ChatCompletionChunk.Choice.FinishReason.LENGTH));
		ChatCompletionChunk last = chunks.get(chunks.size() - 1);
		assertThat(last.choices()).isEmpty();
		assertThat(last.usage()).hasValueSatisfying((usage) -> assertThat(usage.completionTokens()).isEqualTo(10));
	}

	@Test
	void surfacesRateLimitsAsRateLimitException() {
		simulator.rateLimitModel("gpt-4o-mini", Duration.ofSeconds(7));

		assertThatExceptionOfType(RateLimitException.class)
			.isThrownBy(() -> client.chat().completions().create(params().build()))
			.satisfies((ex) -> {
				assertThat(ex.statusCode()).isEqualTo(429);
				assertThat(ex.headers().values("retry-after")).containsExactly("7");
				assertThat(ex.code()).hasValue("rate_limit_exceeded");
				assertThat(ex.type()).hasValue("requests");
			});
	}

	@Test
	void surfacesContextLengthAndServerErrors() {
		simulator.update((settings) -> settings.contextWindow(30));

		assertThatExceptionOfType(BadRequestException.class)
			.isThrownBy(() -> client.chat().completions().create(params().build()))
			.satisfies((ex) -> assertThat(ex.code()).hasValue("context_length_exceeded"));

		simulator.failNextRequests(1, 500);
		assertThatExceptionOfType(InternalServerException.class)
			.isThrownBy(() -> client.chat().completions().create(params().build()));
	}

}

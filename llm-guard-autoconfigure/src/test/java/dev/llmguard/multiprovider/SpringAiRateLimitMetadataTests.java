package dev.llmguard.multiprovider;

import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.ai.chat.metadata.EmptyRateLimit;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.llmguard.actuate.LlmGuardEndpoint;
import dev.llmguard.actuate.LlmGuardEndpoint.LimitDescriptor;
import dev.llmguard.core.LlmGuardEngine;
import dev.llmguard.springai.LlmGuardChatModels;
import dev.llmguard.test.simulator.ProviderSimulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * What Spring AI's real clients tell the guard of a shared key, against the provider simulator: a
 * neighbour draws from the key, unseen, and the guard's bucket follows what the answers report.
 * Spring AI 2.0.1's Anthropic model puts the {@code anthropic-ratelimit-*} headers in the response
 * metadata ({@code AnthropicRateLimit}); its OpenAI model, built on the OpenAI SDK, leaves the metadata's
 * rate limit empty for chat answers, so through it the guard learns only from error answers (the SDK's
 * exceptions carry their headers).
 */
@SpringBootTest(classes = MultiProviderApplicationTests.App.class, webEnvironment = SpringBootTest.WebEnvironment.NONE)
class SpringAiRateLimitMetadataTests {

	static final ProviderSimulator openAi = ProviderSimulator.builder().requestsPerMinute(100).build().start();

	static final ProviderSimulator anthropic = ProviderSimulator.builder().requestsPerMinute(100).build().start();

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) {
		registry.add("spring.ai.openai.base-url", openAi::openAiBaseUrl);
		registry.add("spring.ai.openai.api-key", () -> "test");
		registry.add("spring.ai.openai.chat.options.model", () -> "gpt-4o");
		registry.add("spring.ai.anthropic.base-url", anthropic::baseUrl);
		registry.add("spring.ai.anthropic.api-key", () -> "test");
		registry.add("spring.ai.anthropic.chat.options.model", () -> "claude-sonnet-4-5");
		registry.add("llm.guard.headroom", () -> "1.0");
		registry.add("llm.guard.providers.openai.requests-per-minute", () -> "100");
		registry.add("llm.guard.providers.openai.models.gpt-4o.context-window", () -> "128000");
		registry.add("llm.guard.providers.anthropic.requests-per-minute", () -> "100");
		registry.add("llm.guard.providers.anthropic.models.claude-sonnet-4-5.context-window", () -> "200000");
		registry.add("llm.guard.chains.default.models", () -> "openai/gpt-4o");
		registry.add("llm.guard.retry.max-attempts", () -> "1");
	}

	@AfterAll
	static void stopSimulators() {
		openAi.stop();
		anthropic.stop();
	}

	@Autowired
	LlmGuardChatModels models;

	@Autowired
	LlmGuardEngine engine;

	@BeforeEach
	void reset() {
		openAi.reset();
		anthropic.reset();
	}

	@Test
	void guardedAnthropicChatModelLowersTheBucketToWhatTheMetadataReports() {
		anthropic.drawFromQuota(70, 0); // a neighbour on the same key

		ChatResponse response = this.models.chatModel("anthropic").call(new Prompt("Where is my order?"));

		assertThat(response.getMetadata().getRateLimit().getRequestsRemaining()).isEqualTo(29L);
		LimitDescriptor requests = requestsPerMinute("anthropic");
		assertThat(requests.learned()).isEqualTo(100L);
		assertThat(requests.remaining()).isEqualTo(29L);
		assertThat(requests.available()).isLessThanOrEqualTo(29L);
	}

	@Test
	void chatClientOnAnthropicLowersTheBucketAlsoWhenStreaming() {
		anthropic.drawFromQuota(50, 0);

		List<String> chunks = this.models.chatClient("anthropic").prompt("Where is my order?").stream().content()
			.collectList()
			.block();

		assertThat(chunks).isNotEmpty();
		LimitDescriptor requests = requestsPerMinute("anthropic");
		assertThat(requests.remaining()).isEqualTo(49L);
		assertThat(requests.available()).isLessThanOrEqualTo(49L);
	}

	@Test
	void openAiChatAnswersCarryNoRateLimitSoOnlyItsErrorAnswersTeachTheGuard() {
		openAi.drawFromQuota(70, 0);

		ChatResponse response = this.models.chatModel("openai").call(new Prompt("Where is my order?"));

		assertThat(response.getMetadata().getRateLimit()).isInstanceOf(EmptyRateLimit.class);
		assertThat(requestsPerMinute("openai").remaining()).isNull();

		openAi.drawFromQuota(40, 0); // the key is now spent: the next answer is a 429 with its headers
		assertThatExceptionOfType(RuntimeException.class)
			.isThrownBy(() -> this.models.chatModel("openai").call(new Prompt("And now?")));

		LimitDescriptor requests = requestsPerMinute("openai");
		assertThat(requests.remaining()).isZero();
		assertThat(requests.available()).isZero();
	}

	private LimitDescriptor requestsPerMinute(String provider) {
		return new LlmGuardEndpoint(this.engine).guard().providers().get(provider).limits().get("requests-per-minute");
	}

}

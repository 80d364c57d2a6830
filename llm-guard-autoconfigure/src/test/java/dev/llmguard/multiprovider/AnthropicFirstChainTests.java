package dev.llmguard.multiprovider;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.llmguard.springai.LlmGuardAdvisor;
import dev.llmguard.springai.LlmGuardChatModels;
import dev.llmguard.test.simulator.ProviderSimulator;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The chain {@code anthropic/claude-sonnet-4-5 -> openai/gpt-4o} with Spring AI's real Anthropic client
 * (its own retries off) on a provider simulator: Anthropic's errors are read, retried where the
 * design retries them, and the call moves on to OpenAI through OpenAI's client.
 */
@SpringBootTest(classes = MultiProviderApplicationTests.App.class, webEnvironment = SpringBootTest.WebEnvironment.NONE)
class AnthropicFirstChainTests {

	static final ProviderSimulator openAi = ProviderSimulator.builder().build().start();

	static final ProviderSimulator anthropic = ProviderSimulator.builder().build().start();

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) {
		registry.add("spring.ai.openai.base-url", openAi::openAiBaseUrl);
		registry.add("spring.ai.openai.api-key", () -> "test");
		registry.add("spring.ai.openai.chat.options.model", () -> "gpt-4o");
		registry.add("spring.ai.anthropic.base-url", anthropic::baseUrl);
		registry.add("spring.ai.anthropic.api-key", () -> "test");
		registry.add("spring.ai.anthropic.chat.options.model", () -> "claude-sonnet-4-5");
		registry.add("llm.guard.providers.openai.base-url", openAi::baseUrl);
		registry.add("llm.guard.providers.openai.models.gpt-4o.context-window", () -> "128000");
		registry.add("llm.guard.providers.anthropic.base-url", anthropic::baseUrl);
		registry.add("llm.guard.providers.anthropic.models.claude-sonnet-4-5.context-window", () -> "200000");
		registry.add("llm.guard.chains.anthropic-first.models", () -> "anthropic/claude-sonnet-4-5,openai/gpt-4o");
		registry.add("llm.guard.chains.anthropic-first.cooldown", () -> "0s");
		// the application's annotated service uses the default chain
		registry.add("llm.guard.chains.default.models", () -> "openai/gpt-4o");
		registry.add("llm.guard.retry.max-attempts", () -> "2");
		registry.add("llm.guard.retry.initial-backoff", () -> "1ms");
	}

	@AfterAll
	static void stopSimulators() {
		openAi.stop();
		anthropic.stop();
	}

	@Autowired
	LlmGuardChatModels models;

	@Autowired
	MultiProviderApplicationTests.Events events;

	@BeforeEach
	void reset() {
		openAi.reset();
		anthropic.reset();
		this.events.finished.clear();
	}

	@Test
	void anthropicsRateLimitMovesTheCallToOpenAiAtOnce() {
		anthropic.rateLimitModel("claude-sonnet-4-5");

		String answer = ask();

		assertThat(answer).isNotBlank();
		// DESIGN §3: where another model follows, a rate-limited model fails over at once instead of sleeping
		assertThat(anthropic.stats().requests()).isEqualTo(1);
		assertThat(anthropic.stats().rateLimited()).isEqualTo(1);
		assertThat(openAi.stats().succeeded()).isEqualTo(1);
		assertThat(openAi.lastRequest().bodyText()).contains("\"gpt-4o\"").doesNotContain("claude");
		assertThat(this.events.succeeded()).containsExactly("openai/gpt-4o");
	}

	@Test
	void anthropicsServerErrorIsRetriedThenTheCallMovesToOpenAi() {
		anthropic.failModel("claude-sonnet-4-5", 500);

		String answer = ask();

		assertThat(answer).isNotBlank();
		assertThat(anthropic.stats().requests()).as("the first try and one retry (max-attempts 2)").isEqualTo(2);
		assertThat(anthropic.stats().failed()).isEqualTo(2);
		assertThat(openAi.stats().succeeded()).isEqualTo(1);
		assertThat(this.events.succeeded()).containsExactly("openai/gpt-4o");
	}

	private String ask() {
		return this.models.chatClient("anthropic")
			.prompt("Where is my order?")
			.advisors(LlmGuardAdvisor.chain("anthropic-first"))
			.call()
			.content();
	}

}

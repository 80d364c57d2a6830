package dev.llmguard.multiprovider;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Service;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.client.RestClient;

import dev.llmguard.annotation.RateLimitedLlm;
import dev.llmguard.core.event.GuardEvent;
import dev.llmguard.core.event.GuardListener;
import dev.llmguard.springai.GuardedChatModel;
import dev.llmguard.springai.LlmGuardChatModels;
import dev.llmguard.test.simulator.ProviderSimulator;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An application with Spring AI's OpenAI and Anthropic starters, each pointed at its own provider
 * simulator, running the README's quick start: every call style is guarded under the provider its
 * client talks to, and the chain {@code openai/gpt-4o -> anthropic/claude-sonnet-4-5} reaches each
 * provider through its own client.
 */
@SpringBootTest(classes = MultiProviderApplicationTests.App.class, webEnvironment = SpringBootTest.WebEnvironment.NONE)
class MultiProviderApplicationTests {

	static final ProviderSimulator openAi = ProviderSimulator.builder().build().start();

	static final ProviderSimulator anthropic = ProviderSimulator.builder().build().start();

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) {
		registry.add("spring.ai.openai.base-url", openAi::openAiBaseUrl);
		registry.add("spring.ai.openai.api-key", () -> "test");
		registry.add("spring.ai.openai.max-retries", () -> "0");
		registry.add("spring.ai.openai.chat.options.model", () -> "gpt-4o");
		registry.add("spring.ai.anthropic.base-url", anthropic::baseUrl);
		registry.add("spring.ai.anthropic.api-key", () -> "test");
		registry.add("spring.ai.anthropic.max-retries", () -> "0");
		registry.add("spring.ai.anthropic.chat.options.model", () -> "claude-sonnet-4-5");
		registry.add("llm.guard.providers.openai.base-url", openAi::baseUrl);
		registry.add("llm.guard.providers.openai.models.gpt-4o.context-window", () -> "128000");
		registry.add("llm.guard.providers.anthropic.base-url", anthropic::baseUrl);
		registry.add("llm.guard.providers.anthropic.models.claude-sonnet-4-5.context-window", () -> "200000");
		registry.add("llm.guard.chains.default.models", () -> "openai/gpt-4o,anthropic/claude-sonnet-4-5");
		registry.add("llm.guard.chains.default.fallback-response", () -> "Our assistant is busy");
		// each test starts with both models available
		registry.add("llm.guard.chains.default.cooldown", () -> "0s");
	}

	@AfterAll
	static void stopSimulators() {
		openAi.stop();
		anthropic.stop();
	}

	@Autowired
	SupportAssistant assistant;

	@Autowired
	ChatClient.Builder chatClientBuilder;

	@Autowired
	@Qualifier("openAiChatModel")
	ChatModel openAiChatModel;

	@Autowired
	@Qualifier("anthropicChatModel")
	ChatModel anthropicChatModel;

	@Autowired
	RestClient.Builder restClientBuilder;

	@Autowired
	Events events;

	@BeforeEach
	void reset() {
		openAi.reset();
		anthropic.reset();
		this.events.finished.clear();
	}

	@Test
	void everyChatModelBeanIsGuardedUnderItsProvider() {
		assertThat(this.openAiChatModel).isInstanceOf(GuardedChatModel.class);
		assertThat(((GuardedChatModel) this.openAiChatModel).provider()).isEqualTo("openai");
		assertThat(((GuardedChatModel) this.anthropicChatModel).provider()).isEqualTo("anthropic");
	}

	@Test
	void annotatedMethodFailsOverToAnthropicThroughTheAnthropicClient() {
		openAi.rateLimitModel("gpt-4o");

		String answer = this.assistant.answer("acme", "Where is my order?");

		assertThat(answer).isNotEqualTo("Our assistant is busy").isNotBlank();
		assertThat(openAi.stats().rateLimited()).isPositive();
		assertThat(openAi.receivedRequests()).noneMatch(r -> r.bodyText().contains("claude"));
		assertThat(anthropic.stats().succeeded()).isEqualTo(1);
		assertThat(anthropic.lastRequest().path()).endsWith("/v1/messages");
		assertThat(anthropic.lastRequest().bodyText()).contains("\"claude-sonnet-4-5\"");
		assertThat(this.events.succeeded()).containsExactly("anthropic/claude-sonnet-4-5");
	}

	@Test
	void chatClientChainSendsTheSecondModelToAnthropicWithThePortableOptions() {
		openAi.rateLimitModel("gpt-4o");

		String answer = this.chatClientBuilder.build()
			.prompt()
			.system("You are terse.")
			.user("Where is my order?")
			.options(ChatOptions.builder().temperature(0.25).topP(0.5).stopSequences(List.of("END")).maxTokens(200))
			.call()
			.content();

		assertThat(answer).isNotEqualTo("Our assistant is busy");
		assertThat(openAi.receivedRequests()).isNotEmpty().noneMatch(r -> r.bodyText().contains("claude"));
		assertThat(anthropic.stats().succeeded()).isEqualTo(1);
		String sent = anthropic.lastRequest().bodyText();
		assertThat(sent).contains("\"claude-sonnet-4-5\"", "You are terse.", "Where is my order?", "0.25", "0.5",
				"END", "\"max_tokens\":200");
		assertThat(this.events.succeeded()).containsExactly("anthropic/claude-sonnet-4-5");
	}

	@Test
	void chatClientCreateOnEachModelIsGuardedUnderThatModelsProvider() {
		ChatClient.create(this.anthropicChatModel).prompt("Hello").call().content();
		ChatClient.builder(this.openAiChatModel).build().prompt("Hello").call().content();

		assertThat(this.events.succeeded()).containsExactly("anthropic/claude-sonnet-4-5", "openai/gpt-4o");
		assertThat(anthropic.stats().succeeded()).isEqualTo(1);
		assertThat(openAi.stats().succeeded()).isEqualTo(1);
	}

	@Test
	void directCallAndStreamAreGuarded() {
		ChatResponse response = this.anthropicChatModel.call(new Prompt("Hello"));
		List<ChatResponse> chunks = this.openAiChatModel.stream(new Prompt("Hello")).collectList().block();

		assertThat(response.getResult().getOutput().getText()).isNotBlank();
		assertThat(chunks).isNotEmpty();
		assertThat(this.events.succeeded()).containsExactlyInAnyOrder("anthropic/claude-sonnet-4-5", "openai/gpt-4o");
	}

	@Test
	void requestForAnUnconfiguredModelIsGuardedUnderItsProviderAndNeverRewritten() {
		ChatClient.create(this.anthropicChatModel)
			.prompt("Hello")
			.options(ChatOptions.builder().model("claude-haiku-4-5"))
			.call()
			.content();
		this.chatClientBuilder.build()
			.prompt("Hello")
			.options(ChatOptions.builder().model("gpt-4.1"))
			.call()
			.content();

		assertThat(anthropic.lastRequest().bodyText()).contains("\"claude-haiku-4-5\"");
		assertThat(openAi.lastRequest().bodyText()).contains("\"gpt-4.1\"").doesNotContain("gpt-4o");
		assertThat(this.events.succeeded()).containsExactly("anthropic/claude-haiku-4-5", "openai/gpt-4.1");
	}

	@Test
	void restClientCallsAreGuardedUnderTheProviderOfTheirBaseUrl() {
		String body = this.restClientBuilder.baseUrl(anthropic.baseUrl())
			.build()
			.post()
			.uri("/v1/messages")
			.contentType(MediaType.APPLICATION_JSON)
			.body("{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":100,"
					+ "\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}")
			.retrieve()
			.body(String.class);

		assertThat(body).contains("usage");
		assertThat(this.events.succeeded()).containsExactly("anthropic/claude-sonnet-4-5");
		assertThat(openAi.receivedRequests()).isEmpty();
	}

	/** The README's quick start, with two providers. */
	@Service
	static class SupportAssistant {

		private final LlmGuardChatModels models;

		SupportAssistant(LlmGuardChatModels models) {
			this.models = models;
		}

		@RateLimitedLlm(chain = "default", tenant = "#customerId", priority = 3)
		public String answer(String customerId, String question) {
			return this.models.chatClient().prompt(question).call().content();
		}

	}

	/** Records the calls the guard finished. */
	static class Events implements GuardListener {

		final List<GuardEvent.CallFinished> finished = new CopyOnWriteArrayList<>();

		/** provider/model of each call that succeeded, in order. */
		List<String> succeeded() {
			return this.finished.stream()
				.filter(f -> "success".equals(f.outcome()))
				.map(f -> f.provider() + "/" + f.model())
				.toList();
		}

		@Override
		public void onEvent(GuardEvent event) {
			if (event instanceof GuardEvent.CallFinished call) {
				this.finished.add(call);
			}
		}

	}

	@Configuration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class App {

		@Bean
		SupportAssistant supportAssistant(LlmGuardChatModels models) {
			return new SupportAssistant(models);
		}

		@Bean
		Events events() {
			return new Events();
		}

		/** Spring AI's auto-configured ChatClient.Builder needs one primary ChatModel when there are two. */
		@Bean
		static BeanFactoryPostProcessor openAiIsPrimary() {
			return beanFactory -> beanFactory.getBeanDefinition("openAiChatModel").setPrimary(true);
		}

	}

}

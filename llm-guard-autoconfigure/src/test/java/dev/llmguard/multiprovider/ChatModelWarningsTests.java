package dev.llmguard.multiprovider;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

import dev.llmguard.test.simulator.ProviderSimulator;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The two warnings of an application with several providers: a chain naming a provider no client can
 * reach, at start-up; a request for a model no provider configures, once per model name.
 */
@ExtendWith(OutputCaptureExtension.class)
class ChatModelWarningsTests {

	static final ProviderSimulator openAi = ProviderSimulator.builder().build().start();

	static final ProviderSimulator anthropic = ProviderSimulator.builder().build().start();

	@AfterAll
	static void stopSimulators() {
		openAi.stop();
		anthropic.stop();
	}

	private static ConfigurableApplicationContext start(String... properties) {
		return new SpringApplicationBuilder(MultiProviderApplicationTests.App.class).web(WebApplicationType.NONE)
			.properties("spring.ai.openai.base-url=" + openAi.openAiBaseUrl(), "spring.ai.openai.api-key=test",
					"spring.ai.openai.chat.options.model=gpt-4o", "spring.ai.anthropic.base-url=" + anthropic.baseUrl(),
					"spring.ai.anthropic.api-key=test", "spring.ai.anthropic.chat.options.model=claude-sonnet-4-5",
					"llm.guard.providers.openai.models.gpt-4o.context-window=128000",
					"llm.guard.providers.anthropic.models.claude-sonnet-4-5.context-window=200000")
			.properties(properties)
			.run();
	}

	@Test
	void aChainNamingAProviderNoClientCanReachIsAWarningAtStartUp(CapturedOutput output) {
		try (ConfigurableApplicationContext context = start(
				"llm.guard.providers.mistral.models.mistral-large.context-window=128000",
				"llm.guard.chains.default.models=openai/gpt-4o,mistral/mistral-large")) {
			assertThat(output.getOut()).contains("WARN")
				.contains("chains name providers with neither a ChatModel bean nor a base-url")
				.contains("default: mistral");
		}
	}

	@Test
	void aRequestForAnUnconfiguredModelIsAWarningOncePerName(CapturedOutput output) {
		try (ConfigurableApplicationContext context = start("llm.guard.chains.default.models=openai/gpt-4o")) {
			ChatModel anthropicModel = context.getBean("anthropicChatModel", ChatModel.class);
			for (int i = 0; i < 3; i++) {
				ChatClient.create(anthropicModel)
					.prompt("Hello")
					.options(ChatOptions.builder().model("claude-opus-4-1"))
					.call()
					.content();
			}
			String warning = "model 'claude-opus-4-1' is not configured under llm.guard.providers.anthropic";
			assertThat(output.getOut()).contains(warning);
			assertThat(output.getOut().split(java.util.regex.Pattern.quote(warning), -1)).hasSize(2);
			assertThat(anthropic.lastRequest().bodyText()).contains("\"claude-opus-4-1\"");
		}
	}

}

package dev.llmguard.autoconfigure;

import org.junit.jupiter.api.Test;

import org.springframework.ai.model.chat.client.autoconfigure.ChatClientAutoConfiguration;
import org.springframework.ai.model.openai.autoconfigure.OpenAiChatAutoConfiguration;
import org.springframework.ai.model.tool.autoconfigure.ToolCallingAutoConfiguration;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.llmguard.springai.GuardedChatModel;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code llm.guard.providers.<name>.chat-model}: the ChatModel bean of a provider. */
class ChatModelPropertyTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ToolCallingAutoConfiguration.class, OpenAiChatAutoConfiguration.class,
				ChatClientAutoConfiguration.class, LlmGuardAutoConfiguration.class,
				LlmGuardSpringAiAutoConfiguration.class))
		.withPropertyValues("spring.ai.openai.api-key=test", "spring.ai.openai.base-url=http://localhost:9/v1");

	@Test
	void namedBeanIsGuardedUnderTheProviderThatNamesIt() {
		this.runner.withPropertyValues("llm.guard.providers.openai-eu.chat-model=openAiChatModel").run(context -> {
			ChatModel model = context.getBean("openAiChatModel", ChatModel.class);
			assertThat(model).isInstanceOf(GuardedChatModel.class);
			assertThat(((GuardedChatModel) model).provider()).isEqualTo("openai-eu");
		});
	}

	@Test
	void beanOfAnUnconfiguredProviderIsLeftAsItIs() {
		this.runner.withPropertyValues("llm.guard.providers.anthropic.requests-per-minute=10")
			.run(context -> assertThat(context.getBean("openAiChatModel")).isNotInstanceOf(GuardedChatModel.class));
	}

	@Test
	void chatModelNamingNoBeanStopsStartUp() {
		this.runner.withPropertyValues("llm.guard.providers.openai.chat-model=openAiChatMdl")
			.run(context -> StartupFailure.assertReports(context, "llm.guard.providers.openai.chat-model",
					"openAiChatMdl", "There is no bean named 'openAiChatMdl'", "openAiChatModel"));
	}

}

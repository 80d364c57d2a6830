package dev.llmguard.autoconfigure;

import org.junit.jupiter.api.Test;

import org.springframework.ai.openai.OpenAiChatModel;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * An application that injects Spring AI's OpenAI model by its final class once llm-guard guards it
 * fails to start with advice that works, not Boot's generic advice to force class-based proxies.
 */
class GuardedChatModelInjectionFailureAnalyzerTests {

	@Test
	void injectingAGuardedModelByItsFinalClassSaysToInjectTheInterface() {
		Throwable failure = catchThrowable(() -> new SpringApplicationBuilder(App.class)
			.web(WebApplicationType.NONE)
			.properties("spring.ai.openai.api-key=test", "spring.ai.openai.base-url=http://localhost:9",
					"llm.guard.providers.openai.requests-per-minute=100",
					"spring.autoconfigure.exclude=org.springframework.ai.model.anthropic.autoconfigure.AnthropicChatAutoConfiguration")
			.run()
			.close());
		assertThat(failure).isNotNull();

		FailureAnalysis analysis = new GuardedChatModelInjectionFailureAnalyzer().analyze(failure);

		assertThat(analysis).isNotNull();
		assertThat(analysis.getDescription()).contains("'openAiChatModel'", OpenAiChatModel.class.getName(), "final");
		assertThat(analysis.getAction()).contains("org.springframework.ai.chat.model.ChatModel",
				"@Qualifier(\"openAiChatModel\")", "llm.guard.spring-ai.enabled=false");
	}

	@Test
	void otherInjectionFailuresAreLeftToSpringBoot() {
		Throwable failure = new org.springframework.beans.factory.BeanNotOfRequiredTypeException("text", Integer.class,
				String.class);
		assertThat(new GuardedChatModelInjectionFailureAnalyzer().analyze(failure)).isNull();
	}

	@Configuration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	@Import(App.NeedsTheConcreteModel.class)
	static class App {

		static class NeedsTheConcreteModel {

			NeedsTheConcreteModel(OpenAiChatModel model) {
			}

		}

	}

}

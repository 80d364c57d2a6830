package dev.llmguard.springai;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.client.ChatClientRequest;
import org.springframework.ai.chat.client.ChatClientResponse;
import org.springframework.ai.chat.client.advisor.api.CallAdvisor;
import org.springframework.ai.chat.client.advisor.api.CallAdvisorChain;
import org.springframework.ai.model.chat.client.autoconfigure.ChatClientAutoConfiguration;
import org.springframework.ai.model.openai.autoconfigure.OpenAiChatAutoConfiguration;
import org.springframework.ai.model.tool.ToolCallingChatOptions;
import org.springframework.ai.model.tool.autoconfigure.ToolCallingAutoConfiguration;
import org.springframework.ai.tool.ToolCallback;
import org.springframework.ai.tool.ToolCallbackProvider;
import org.springframework.ai.tool.function.FunctionToolCallback;
import org.springframework.ai.tool.resolution.ToolCallbackResolver;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.llmguard.autoconfigure.LlmGuardSpringAiAutoConfiguration;
import dev.llmguard.core.LlmGuardEngine;
import dev.llmguard.core.event.GuardEvent;
import dev.llmguard.test.junit.ProviderSimulatorExtension;
import dev.llmguard.test.simulator.ProviderSimulator;
import dev.llmguard.test.simulator.SimulatorStats;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The auto-configuration with Spring AI's own OpenAI and ChatClient auto-configurations, against the
 * simulator. The engine comes from a test configuration (as {@code LlmGuardAutoConfiguration} will
 * provide it).
 */
class LlmGuardSpringAiAutoConfigurationTests {

	@RegisterExtension
	static final ProviderSimulatorExtension simulatorExtension = ProviderSimulatorExtension.builder().build();

	private ApplicationContextRunner runner(ProviderSimulator simulator) {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(ToolCallingAutoConfiguration.class,
					OpenAiChatAutoConfiguration.class, ChatClientAutoConfiguration.class,
					LlmGuardSpringAiAutoConfiguration.class))
			.withPropertyValues("spring.ai.openai.base-url=" + simulator.openAiBaseUrl(),
					"spring.ai.openai.api-key=test", "spring.ai.openai.max-retries=0",
					"spring.ai.openai.chat.options.model=gpt-4o")
			.withBean(SimulatorGuard.class, () -> SimulatorGuard.openAi(simulator).tool("search_products", 1, "none"))
			.withUserConfiguration(EngineConfiguration.class);
	}

	@Test
	void everyChatClientBuilderIsGuarded(ProviderSimulator simulator) {
		runner(simulator).run(context -> {
			assertThat(context).hasSingleBean(LlmGuardAdvisor.class).hasSingleBean(LlmGuardChatClientCustomizer.class);
			ChatClient client = context.getBean(ChatClient.Builder.class).build();

			String answer = client.prompt("Guard me").call().content();

			assertThat(answer).isNotBlank();
			SimulatorGuard guard = context.getBean(SimulatorGuard.class);
			assertThat(guard.events(GuardEvent.Waited.class)).as("admissions").hasSize(1);
			SimulatorStats stats = simulator.stats();
			assertThat(SimulatorGuard.spend(context.getBean(LlmGuardEngine.class)).spentTokens())
				.isEqualTo(stats.inputTokens() + stats.outputTokens());
		});
	}

	@Test
	void advisorIsOffWhenSpringAiGuardingIsDisabled(ProviderSimulator simulator) {
		runner(simulator).withPropertyValues("llm.guard.spring-ai.enabled=false").run(context -> {
			assertThat(context).doesNotHaveBean(LlmGuardAdvisor.class)
				.doesNotHaveBean(LlmGuardChatClientCustomizer.class)
				.doesNotHaveBean(ToolCallbackGuardPostProcessor.class)
				// the engine still learns Spring AI's answers, for @RateLimitedLlm methods
				.hasSingleBean(SpringAiUsageExtractor.class)
				.hasSingleBean(OpenAiSdkErrorClassifier.class);
			context.getBean(ChatClient.Builder.class).build().prompt("Unguarded").call().content();
			assertThat(context.getBean(SimulatorGuard.class).events).isEmpty();
			assertThat(simulator.stats().succeeded()).isEqualTo(1);
		});
	}

	@Test
	void nothingIsConfiguredWithoutAnEngine() {
		new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(LlmGuardSpringAiAutoConfiguration.class))
			.run(context -> assertThat(context).doesNotHaveBean(LlmGuardAdvisor.class)
				.doesNotHaveBean(SpringAiUsageExtractor.class));
	}

	@Test
	void nothingIsConfiguredWithoutSpringAi(ProviderSimulator simulator) {
		new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(LlmGuardSpringAiAutoConfiguration.class))
			.withClassLoader(new FilteredClassLoader("org.springframework.ai"))
			.withBean(SimulatorGuard.class, () -> SimulatorGuard.openAi(simulator))
			.withUserConfiguration(EngineConfiguration.class)
			.run(context -> assertThat(context).hasNotFailed()
				.doesNotHaveBean(LlmGuardAdvisor.class)
				.doesNotHaveBean(SpringAiUsageExtractor.class));
	}

	@Test
	void aUserAdvisorReplacesOurs(ProviderSimulator simulator) {
		runner(simulator).withBean("myAdvisor", LlmGuardAdvisor.class,
				() -> new LlmGuardAdvisor(SimulatorGuard.openAi(simulator).build(), 42))
			.run(context -> assertThat(context.getBean(LlmGuardAdvisor.class).getOrder()).isEqualTo(42));
	}

	@Test
	void limitedToolsGivenPerRequestOrAsBeansAreGuarded(ProviderSimulator simulator) {
		runner(simulator).withUserConfiguration(ToolConfiguration.class).run(context -> {
			assertThat(context.getBean("searchProducts")).isInstanceOf(GuardedToolCallback.class);
			assertThat(context.getBean(ToolCallbackResolver.class)).isInstanceOf(GuardedToolCallbackResolver.class);

			ToolCallback perRequest = FunctionToolCallback
				.builder("search_products", (Function<String, String>) query -> "found")
				.description("Finds products")
				.inputType(String.class)
				.build();
			ToolsProbe probe = new ToolsProbe();
			context.getBean(ChatClient.Builder.class)
				.build()
				.prompt("Find shoes")
				.toolCallbacks(perRequest)
				.advisors(probe)
				.call()
				.content();

			assertThat(probe.tools).singleElement().isInstanceOf(GuardedToolCallback.class);
		});
	}

	@Test
	void toolsOfToolCallbackProviderBeansAreGuarded(ProviderSimulator simulator) {
		runner(simulator).withBean("searchTools", ToolCallbackProvider.class, () -> ToolCallbackProvider.from(searchTool()))
			.run(context -> {
				ToolCallback search = context.getBean("searchTools", ToolCallbackProvider.class).getToolCallbacks()[0];

				assertThat(search).isInstanceOf(GuardedToolCallback.class);
				assertThat(search.call("{\"text\": \"shoes\"}")).isEqualTo("\"found\"");
				// the limit is one call a minute: the second answers the fallback response
				assertThat(search.call("{\"text\": \"shoes\"}")).isEqualTo("none");
			});
	}

	@Test
	void aToolCallbackProviderKeepsItsTypeAndIsAskedForItsToolsOnlyWhenTheApplicationAsks(
			ProviderSimulator simulator) {
		new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(LlmGuardSpringAiAutoConfiguration.class))
			.withBean(SimulatorGuard.class, () -> SimulatorGuard.openAi(simulator).tool("search_products", 1, "none"))
			.withUserConfiguration(EngineConfiguration.class)
			.withBean("remoteTools", RemoteToolsProvider.class, RemoteToolsProvider::new)
			.run(context -> {
				RemoteToolsProvider provider = context.getBean(RemoteToolsProvider.class);
				assertThat(provider.connections()).isZero();

				ToolCallback[] tools = provider.getToolCallbacks();

				assertThat(provider.connections()).isOne();
				assertThat(tools).singleElement().isInstanceOf(GuardedToolCallback.class);
			});
	}

	private static ToolCallback searchTool() {
		return FunctionToolCallback.builder("search_products", (Function<Query, String>) query -> "found")
			.description("Finds products")
			.inputType(Query.class)
			.build();
	}

	record Query(String text) {
	}

	/** Like Spring AI's MCP client providers: a class of its own, that connects when asked for its tools. */
	static class RemoteToolsProvider implements ToolCallbackProvider {

		private final AtomicInteger connections = new AtomicInteger();

		@Override
		public ToolCallback[] getToolCallbacks() {
			this.connections.incrementAndGet();
			return new ToolCallback[] { searchTool() };
		}

		int connections() {
			return this.connections.get();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class EngineConfiguration {

		@Bean(destroyMethod = "close")
		LlmGuardEngine llmGuardEngine(SimulatorGuard guard) {
			return guard.build();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class ToolConfiguration {

		@Bean
		ToolCallback searchProducts() {
			return FunctionToolCallback.builder("search_products", (Function<String, String>) query -> "found")
				.description("Finds products")
				.inputType(String.class)
				.build();
		}

	}

	/** Sees the tools the model is offered inside Spring AI's tool-calling loop. */
	static final class ToolsProbe implements CallAdvisor {

		volatile List<ToolCallback> tools;

		@Override
		public ChatClientResponse adviseCall(ChatClientRequest request, CallAdvisorChain chain) {
			this.tools = ((ToolCallingChatOptions) request.prompt().getOptions()).getToolCallbacks();
			return chain.nextCall(request);
		}

		@Override
		public String getName() {
			return "ToolsProbe";
		}

		@Override
		public int getOrder() {
			return LlmGuardAdvisor.DEFAULT_ORDER + 1;
		}

	}

}

package dev.llmguard.springai;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.ToolResponseMessage;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.model.tool.DefaultToolCallingManager;
import org.springframework.ai.model.tool.ToolCallingChatOptions;
import org.springframework.ai.model.tool.ToolExecutionResult;
import org.springframework.ai.tool.ToolCallback;
import org.springframework.ai.tool.ToolCallbackProvider;
import org.springframework.ai.tool.function.FunctionToolCallback;
import org.springframework.ai.tool.resolution.StaticToolCallbackResolver;

import dev.llmguard.core.LlmGuardEngine;
import dev.llmguard.core.ToolLimitExceededException;
import dev.llmguard.test.simulator.ProviderSimulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/** Tool limits on Spring AI tool callbacks, run by Spring AI's own tool-calling manager. */
class GuardedToolCallbackTests {

	static final String FALLBACK = "{\"products\": [], \"source\": \"fallback\"}";

	private final ProviderSimulator simulator = ProviderSimulator.builder().build();

	private final AtomicInteger searches = new AtomicInteger();

	private final ToolCallback search = FunctionToolCallback
		.builder("search_products", (Function<Query, String>) query -> "[\"product for " + query.text() + "\"]")
		.description("Finds products")
		.inputType(Query.class)
		.build();

	private final ToolCallback counted = FunctionToolCallback
		.builder("lookup_stock", (Function<Query, String>) query -> "stock " + this.searches.incrementAndGet())
		.description("Looks stock up")
		.inputType(Query.class)
		.build();

	private final LlmGuardEngine engine = SimulatorGuard.openAi(this.simulator.start())
		.tool("search_products", 1, FALLBACK)
		.tool("lookup_stock", 1, null)
		.build();

	@AfterEach
	void close() {
		this.engine.close();
		this.simulator.stop();
	}

	@Test
	void limitedToolAnswersItsFallbackToTheModelAndTheConversationGoesOn() {
		ToolCallback guarded = GuardedToolCallback.guard(this.search, this.engine);
		Prompt prompt = new Prompt(List.of(new UserMessage("Find shoes")),
				ToolCallingChatOptions.builder().toolCallbacks(guarded).build());
		DefaultToolCallingManager manager = DefaultToolCallingManager.builder().build();

		ToolExecutionResult first = manager.executeToolCalls(prompt, toolCall("search_products", "1"));
		ToolExecutionResult second = manager.executeToolCalls(prompt, toolCall("search_products", "2"));

		assertThat(toolAnswer(first)).contains("product for shoes");
		assertThat(toolAnswer(second)).isEqualTo(FALLBACK);
	}

	@Test
	void limitedToolWithoutFallbackFailsWithTheLimitAndDoesNotRun() {
		ToolCallback guarded = GuardedToolCallback.guard(this.counted, this.engine);
		assertThat(guarded.call("{\"text\":\"a\"}")).contains("stock 1");

		assertThatExceptionOfType(ToolLimitExceededException.class).isThrownBy(() -> guarded.call("{\"text\":\"b\"}"))
			.satisfies(ex -> assertThat(ex.getTool()).isEqualTo("lookup_stock"));
		assertThat(this.searches).hasValue(1);
	}

	@Test
	void toolsWithoutALimitAndGuardedToolsAreLeftAsTheyAre() {
		ToolCallback free = FunctionToolCallback.builder("free_tool", (Function<Query, String>) Query::text)
			.description("Not limited")
			.inputType(Query.class)
			.build();
		ToolCallback guarded = GuardedToolCallback.guard(this.search, this.engine);

		assertThat(GuardedToolCallback.guard(free, this.engine)).isSameAs(free);
		assertThat(GuardedToolCallback.guard(guarded, this.engine)).isSameAs(guarded);
		assertThat(guarded.getToolDefinition()).isEqualTo(this.search.getToolDefinition());
	}

	@Test
	void resolvedToolsAreGuardedByName() {
		GuardedToolCallbackResolver resolver = new GuardedToolCallbackResolver(
				new StaticToolCallbackResolver(List.of(this.search)), this.engine);

		assertThat(resolver.resolve("search_products").call("{\"text\":\"hats\"}")).contains("hats");
		assertThat(resolver.resolve("search_products").call("{\"text\":\"hats\"}")).isEqualTo(FALLBACK);
	}

	@Test
	void toolCallbackBeansWithALimitAreGuarded() {
		ToolCallbackGuardPostProcessor postProcessor = new ToolCallbackGuardPostProcessor(
				new org.springframework.beans.factory.support.StaticListableBeanFactory(
						Map.of("engine", this.engine)).getBeanProvider(LlmGuardEngine.class));

		assertThat(postProcessor.postProcessAfterInitialization(this.search, "search"))
			.isInstanceOf(GuardedToolCallback.class);
		assertThat(postProcessor.postProcessAfterInitialization("not a tool", "other")).isEqualTo("not a tool");
	}

	@Test
	void aProviderThatCannotBeSubclassedIsGuardedThroughItsInterface() {
		ToolCallbackGuardPostProcessor postProcessor = new ToolCallbackGuardPostProcessor(
				new org.springframework.beans.factory.support.StaticListableBeanFactory(
						Map.of("engine", this.engine)).getBeanProvider(LlmGuardEngine.class));
		ToolCallbackProvider lambda = () -> new ToolCallback[] { this.search };

		ToolCallbackProvider guarded = (ToolCallbackProvider) postProcessor.postProcessAfterInitialization(lambda,
				"tools");

		ToolCallback tool = guarded.getToolCallbacks()[0];
		assertThat(tool).isInstanceOf(GuardedToolCallback.class);
		assertThat(tool.call("{\"text\":\"hats\"}")).contains("hats");
		assertThat(tool.call("{\"text\":\"hats\"}")).isEqualTo(FALLBACK);
		assertThat(postProcessor.postProcessAfterInitialization(guarded, "tools")).isSameAs(guarded);
	}

	private static ChatResponse toolCall(String tool, String id) {
		AssistantMessage message = AssistantMessage.builder()
			.content("")
			.toolCalls(List.of(new AssistantMessage.ToolCall(id, "function", tool, "{\"text\":\"shoes\"}")))
			.build();
		return new ChatResponse(List.of(new Generation(message)));
	}

	private static String toolAnswer(ToolExecutionResult result) {
		ToolResponseMessage response = (ToolResponseMessage) result.conversationHistory()
			.get(result.conversationHistory().size() - 1);
		return response.getResponses().get(0).responseData();
	}

	record Query(String text) {
	}

}

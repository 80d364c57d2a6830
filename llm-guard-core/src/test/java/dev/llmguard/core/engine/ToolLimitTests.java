package dev.llmguard.core.engine;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import dev.llmguard.core.CallRequest;
import dev.llmguard.core.LlmGuard;
import dev.llmguard.core.ToolLimitExceededException;
import dev.llmguard.core.event.GuardEvent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/** §3 step 2.3: a call for a limited tool answers the tool's fallback response, or fails, when over the limit. */
class ToolLimitTests {

	private static final String NO_PRODUCTS = "{\"products\": [], \"source\": \"fallback\"}";

	private final EngineFixtures.Guard guard = EngineFixtures.guard(s -> s
		.tool("search_products", 2, Duration.ofSeconds(60), NO_PRODUCTS)
		.tool("send_email", 1, Duration.ofSeconds(60), null));

	private final ScriptedProvider provider = new ScriptedProvider();

	private String call(String tool) throws Throwable {
		return this.guard.engine.execute(CallRequest.builder().chain("default").tool(tool).build(), this.provider,
				text -> text);
	}

	@Test
	void toolOverItsLimitAnswersItsFallbackResponseWithoutCallingTheModel() throws Throwable {
		assertThat(call("search_products")).isEqualTo("gpt-4o");
		assertThat(call("search_products")).isEqualTo("gpt-4o");

		assertThat(call("search_products")).isEqualTo(NO_PRODUCTS);

		assertThat(this.provider.calls()).hasSize(2);
		assertThat(this.guard.events(GuardEvent.ToolCalled.class)).extracting(GuardEvent.ToolCalled::outcome)
			.containsExactly("allowed", "allowed", "fallback");
		this.guard.assertNothingHeld();
	}

	@Test
	void toolIsAllowedAgainOnceItsWindowRefills() throws Throwable {
		call("search_products");
		call("search_products");

		// two calls per minute refill one every 30 s
		this.guard.clock.advance(Duration.ofSeconds(30));

		assertThat(call("search_products")).isEqualTo("gpt-4o");
	}

	@Test
	void toolWithoutFallbackResponseFailsOverItsLimit() throws Throwable {
		call("send_email");

		assertThatExceptionOfType(ToolLimitExceededException.class).isThrownBy(() -> call("send_email"))
			.satisfies(ex -> {
				assertThat(ex.getTool()).isEqualTo("send_email");
				assertThat(ex.getRetryAfter()).isPositive().isLessThanOrEqualTo(Duration.ofSeconds(60));
				assertThat(ex.getMessage()).contains("send_email", "llm.guard.tools.send_email.fallback-response");
			});
		assertThat(this.provider.calls()).hasSize(1);
	}

	@Test
	void facadeRunsFunctionCallingToolsUnderTheSameLimit() {
		LlmGuard facade = new LlmGuard(this.guard.engine);

		assertThat(facade.tool("send_email", () -> "sent", fallback -> fallback)).isEqualTo("sent");
		assertThatExceptionOfType(ToolLimitExceededException.class)
			.isThrownBy(() -> facade.tool("send_email", () -> "sent", fallback -> fallback));
	}

}

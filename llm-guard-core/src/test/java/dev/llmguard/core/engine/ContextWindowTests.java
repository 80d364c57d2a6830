package dev.llmguard.core.engine;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.llmguard.core.CallRequest;
import dev.llmguard.core.ContextWindowExceededException;
import dev.llmguard.core.config.ChainSpec;
import dev.llmguard.core.event.GuardEvent;

import static dev.llmguard.core.engine.EngineFixtures.GPT_4O;
import static dev.llmguard.core.engine.EngineFixtures.SMALL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/** §3 step 2.1: input estimate + max output above a model's context window skips that model. */
class ContextWindowTests {

	private final EngineFixtures.Guard guard = EngineFixtures.guard(s -> s
		.chain(new ChainSpec("small-first", List.of(SMALL, GPT_4O), Duration.ofSeconds(60), null)));

	private final ScriptedProvider provider = new ScriptedProvider();

	@Test
	void modelWhoseWindowIsTooSmallIsSkipped() throws Throwable {
		// 1,500 estimated + 1,024 default max output > small's 2,000
		CallRequest request = CallRequest.builder().chain("small-first").estimatedInputTokens(1500L).build();

		assertThat(this.guard.engine.execute(request, this.provider, text -> text)).isEqualTo("gpt-4o");

		assertThat(this.provider.calls()).containsExactly(GPT_4O);
		assertThat(this.guard.events(GuardEvent.Rejected.class)).singleElement().satisfies(rejected -> {
			assertThat(rejected.model()).isEqualTo("small");
			assertThat(rejected.reason()).isEqualTo("context_window");
		});
		assertThat(this.guard.events(GuardEvent.FellBack.class)).extracting(GuardEvent.FellBack::reason)
			.containsExactly("context_window");
		this.guard.assertNothingHeld();
	}

	@Test
	void smallerMaxOutputLetsTheCallFit() throws Throwable {
		CallRequest request = CallRequest.builder()
			.chain("small-first")
			.estimatedInputTokens(1500L)
			.maxOutputTokens(500)
			.build();

		assertThat(this.guard.engine.execute(request, this.provider, text -> text)).isEqualTo("small");
	}

	@Test
	void singleModelTooSmallFailsWithTheNumbers() {
		CallRequest request = CallRequest.builder().model(SMALL).estimatedInputTokens(1500L).build();

		assertThatExceptionOfType(ContextWindowExceededException.class)
			.isThrownBy(() -> this.guard.engine.execute(request, this.provider, text -> text))
			.satisfies(ex -> {
				assertThat(ex.getModel()).isEqualTo("openai/small");
				assertThat(ex.getRequiredTokens()).isEqualTo(2524);
				assertThat(ex.getContextWindow()).isEqualTo(2000);
				assertThat(ex.getMessage()).contains("2524", "2000", "openai/small");
			});
		assertThat(this.provider.calls()).isEmpty();
		this.guard.assertNothingHeld();
	}

}

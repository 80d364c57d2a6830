package dev.llmguard.springai;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.ai.chat.client.ChatClient;

import dev.llmguard.annotation.GuardFixtures;
import dev.llmguard.annotation.RateLimitedLlm;
import dev.llmguard.annotation.RateLimitedLlmAspect;
import dev.llmguard.core.LlmGuardEngine;
import dev.llmguard.core.budget.BudgetUsage;
import dev.llmguard.core.event.GuardEvent;
import dev.llmguard.test.junit.ProviderSimulatorExtension;
import dev.llmguard.test.simulator.ProviderSimulator;
import dev.llmguard.test.simulator.SimulatorStats;

import static org.assertj.core.api.Assertions.assertThat;

/** A ChatClient used inside a {@code @RateLimitedLlm} method: admitted once, by the annotation. */
class AdvisorInsideRateLimitedLlmTests {

	@RegisterExtension
	static final ProviderSimulatorExtension simulatorExtension = ProviderSimulatorExtension.builder().build();

	private LlmGuardEngine engine;

	@AfterEach
	void closeEngine() {
		this.engine.close();
	}

	@Test
	void advisorDoesNotAdmitACallTheAnnotationAdmittedAndReportsItsUsage(ProviderSimulator simulator) {
		SimulatorGuard guard = SimulatorGuard.openAi(simulator).defaultChain();
		this.engine = guard.build();
		// the client's own default model is the cheaper one; the annotation's chain picks gpt-4o
		ChatClient client = SimulatorGuard.chatClient(SimulatorGuard.chatModel(simulator, "gpt-4o-mini"), this.engine);
		simulator.rateLimitModel("gpt-4o-mini"); // a request that kept the client's model would fail
		Assistant assistant = GuardFixtures.proxy(new Assistant(client),
				new RateLimitedLlmAspect(this.engine, RateLimitedLlmAspect.DEFAULT_ORDER));

		String answer = assistant.ask("How many admissions is this?");

		assertThat(answer).isNotBlank();
		SimulatorStats stats = simulator.stats();
		assertThat(stats.requests()).isEqualTo(1);
		assertThat(stats.rateLimited()).isZero();
		assertThat(guard.events(GuardEvent.Waited.class)).as("admissions").hasSize(1);
		assertThat(guard.events(GuardEvent.CallFinished.class)).singleElement().satisfies(finished -> {
			assertThat(finished.model()).isEqualTo("gpt-4o");
			assertThat(finished.usageEstimated()).as("usage reported by the advisor, not estimated").isFalse();
		});
		BudgetUsage spend = SimulatorGuard.spend(this.engine);
		assertThat(spend.spentTokens()).isEqualTo(stats.inputTokens() + stats.outputTokens());
		assertThat(spend.spentCostNanos()).isEqualTo(
				SimulatorGuard.nanos(stats.inputTokens(), stats.outputTokens(), SimulatorGuard.GPT_4O_PRICE));
	}

	static class Assistant {

		private final ChatClient client;

		Assistant(ChatClient client) {
			this.client = client;
		}

		@RateLimitedLlm(chain = "default")
		public String ask(String question) {
			return this.client.prompt(question).call().content();
		}

	}

}

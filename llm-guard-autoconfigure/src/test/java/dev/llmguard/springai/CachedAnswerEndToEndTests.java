package dev.llmguard.springai;

import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.client.ChatClientResponse;
import org.springframework.ai.chat.model.ChatResponse;

import dev.llmguard.annotation.GuardFixtures;
import dev.llmguard.annotation.RateLimitedLlm;
import dev.llmguard.annotation.RateLimitedLlmAspect;
import dev.llmguard.core.FallbackExhaustedException;
import dev.llmguard.core.LlmGuardContext;
import dev.llmguard.core.LlmGuardEngine;
import dev.llmguard.core.config.AnswerCacheSpec;
import dev.llmguard.core.event.GuardEvent;
import dev.llmguard.test.junit.ProviderSimulatorExtension;
import dev.llmguard.test.simulator.ProviderSimulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * A chain's cached last answer through Spring AI's real OpenAI client and a {@code ChatClient}, against
 * the provider simulator: a first good answer, then every model failing, and the answer comes back
 * marked as cached.
 */
class CachedAnswerEndToEndTests {

	@RegisterExtension
	static final ProviderSimulatorExtension simulatorExtension = ProviderSimulatorExtension.builder()
		.outputTokens(20)
		.build();

	private LlmGuardEngine engine;

	private SimulatorGuard guard;

	@AfterEach
	void closeEngine() {
		this.engine.close();
	}

	private ChatClient client(ProviderSimulator simulator) {
		this.guard = SimulatorGuard.openAi(simulator)
			.cachedChain(new AnswerCacheSpec(Duration.ofMinutes(10), 100, false));
		this.engine = this.guard.build();
		return SimulatorGuard.chatClient(SimulatorGuard.chatModel(simulator, "gpt-4o"), this.engine);
	}

	private static void failEveryModel(ProviderSimulator simulator) {
		simulator.failModel("gpt-4o", 503);
		simulator.failModel("gpt-4o-mini", 503);
	}

	@Test
	void aChatClientCallIsAnsweredWithTheLastGoodAnswerMarkedAsCachedWhenEveryModelFails(
			ProviderSimulator simulator) {
		ChatClient client = client(simulator);
		String first = client.prompt().system("Answer briefly.").user("What is a tent?").call().content();
		failEveryModel(simulator);
		this.guard.events.clear();

		ChatClientResponse response = client.prompt()
			.system("Answer briefly.")
			.user("What is a tent?")
			.call()
			.chatClientResponse();

		assertThat(response.chatResponse().getResult().getOutput().getText()).isEqualTo(first);
		assertThat(GuardAnswers.isCached(response.chatResponse())).isTrue();
		assertThat(response.context()).containsEntry(GuardAnswers.FALLBACK, GuardAnswers.CACHED);
		assertThat(simulator.stats().failed()).as("both models were asked and failed").isGreaterThanOrEqualTo(2);
		assertThat(this.guard.events(GuardEvent.CallFinished.class)).singleElement()
			.satisfies((finished) -> assertThat(finished.outcome()).isEqualTo("cached_response"));
		assertThat(SimulatorGuard.inUse(this.engine)).isZero();
	}

	@Test
	void anotherPromptIsNotAnsweredFromTheCache(ProviderSimulator simulator) {
		ChatClient client = client(simulator);
		client.prompt().user("What is a tent?").call().content();
		failEveryModel(simulator);

		assertThatExceptionOfType(FallbackExhaustedException.class)
			.isThrownBy(() -> client.prompt().user("What is a stove?").call().content());
	}

	@Test
	void theAdvisorsCacheKeyParameterSetsTheKey(ProviderSimulator simulator) {
		ChatClient client = client(simulator);
		String first = client.prompt()
			.user("Where is order 42?")
			.advisors(LlmGuardAdvisor.cacheKey("order-42"))
			.call()
			.content();
		failEveryModel(simulator);

		ChatResponse response = client.prompt()
			.user("Order 42: has it shipped?")
			.advisors(LlmGuardAdvisor.cacheKey("order-42"))
			.call()
			.chatResponse();

		assertThat(response.getResult().getOutput().getText()).isEqualTo(first);
		assertThat(GuardAnswers.isCached(response)).isTrue();
	}

	@Test
	void aTenantIsNeverAnsweredAnotherTenantsAnswer(ProviderSimulator simulator) {
		ChatClient client = client(simulator);
		String acme = client.prompt().user("What is a tent?").advisors(LlmGuardAdvisor.tenant("acme")).call().content();
		failEveryModel(simulator);

		assertThatExceptionOfType(FallbackExhaustedException.class).isThrownBy(() -> client.prompt()
			.user("What is a tent?")
			.advisors(LlmGuardAdvisor.tenant("globex"))
			.call()
			.content());
		assertThat(client.prompt().user("What is a tent?").advisors(LlmGuardAdvisor.tenant("acme")).call().content())
			.isEqualTo(acme);
	}

	@Test
	void theAnnotationsCacheKeyIsSpelOverTheParameters(
			ProviderSimulator simulator) {
		ChatClient client = client(simulator);
		Assistant assistant = GuardFixtures.proxy(new Assistant(client),
				new RateLimitedLlmAspect(this.engine, RateLimitedLlmAspect.DEFAULT_ORDER));
		String first = assistant.ask("tents", "Which tent for two?");
		failEveryModel(simulator);

		this.guard.events.clear();

		String again = assistant.ask("tents", "What tent should two people take?");

		assertThat(again).isEqualTo(first);
		assertThat(this.guard.events(GuardEvent.FellBack.class)).last()
			.satisfies((fellBack) -> assertThat(fellBack.to()).isEqualTo("cached_response"));
	}

	@Test
	void aModelRequestInsideAnAnnotatedMethodIsAnsweredFromItsMessagesKey(ProviderSimulator simulator) {
		ChatClient client = client(simulator);
		Assistant assistant = GuardFixtures.proxy(new Assistant(client),
				new RateLimitedLlmAspect(this.engine, RateLimitedLlmAspect.DEFAULT_ORDER));
		String first = assistant.plain("Which stove for winter?");
		failEveryModel(simulator);

		assertThat(assistant.plain("Which stove for winter?")).isEqualTo("[cached] " + first);
	}

	static class Assistant {

		private final ChatClient client;

		Assistant(ChatClient client) {
			this.client = client;
		}

		/** The method's answer is kept under the topic: any question on it gets the last answer. */
		@RateLimitedLlm(chain = "default", cacheKey = "#topic")
		public String ask(String topic, String question) {
			return this.client.prompt(question).call().content();
		}

		/** The request inside is answered from the cache; the method learns it from its context. */
		@RateLimitedLlm(chain = "default")
		public String plain(String question) {
			String answer = this.client.prompt(question).call().content();
			return LlmGuardContext.current().cachedResponse() ? "[cached] " + answer : answer;
		}

	}

}

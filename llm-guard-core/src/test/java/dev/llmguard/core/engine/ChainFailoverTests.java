package dev.llmguard.core.engine;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

import dev.llmguard.core.CallRequest;
import dev.llmguard.core.FallbackExhaustedException;
import dev.llmguard.core.RateLimitExceededException;
import dev.llmguard.core.event.GuardEvent;
import dev.llmguard.core.retry.ProviderResponseException;

import static dev.llmguard.core.engine.EngineFixtures.GPT_4O;
import static dev.llmguard.core.engine.EngineFixtures.MINI;
import static dev.llmguard.core.engine.EngineFixtures.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/** §3 step 2: models of a chain are tried in order; a rate-limited model fails over at once and cools down. */
class ChainFailoverTests {

	private final EngineFixtures.Guard guard = EngineFixtures.guard();

	private final ScriptedProvider provider = new ScriptedProvider();

	private String call() throws Throwable {
		return this.guard.engine.execute(CallRequest.builder().chain("default").prompt("Hello").build(), this.provider,
				text -> text);
	}

	@Test
	void firstModelOfTheChainAnswersWhenItCan() throws Throwable {
		assertThat(call()).isEqualTo("gpt-4o");

		assertThat(this.provider.calls()).containsExactly(GPT_4O);
		assertThat(this.guard.events(GuardEvent.FellBack.class)).isEmpty();
		GuardEvent.CallFinished finished = this.guard.finished();
		assertThat(finished.model()).isEqualTo("gpt-4o");
		assertThat(finished.chain()).isEqualTo("default");
		assertThat(finished.outcome()).isEqualTo("success");
		this.guard.assertNothingHeld();
	}

	@Test
	void rateLimitedModelFailsOverAtOnceWithoutSleeping() throws Throwable {
		Instant start = this.guard.clock.instant();
		this.provider.on(GPT_4O, status(429));

		assertThat(call()).isEqualTo("gpt-4o-mini");

		assertThat(this.provider.calls()).containsExactly(GPT_4O, MINI);
		assertThat(this.guard.clock.instant()).isEqualTo(start);
		assertThat(this.guard.events(GuardEvent.Retried.class)).isEmpty();
		assertThat(this.guard.events(GuardEvent.CooledDown.class)).singleElement().satisfies(cooled -> {
			assertThat(cooled.model()).isEqualTo("gpt-4o");
			assertThat(cooled.reason()).isEqualTo("rate_limited");
			assertThat(cooled.until()).isEqualTo(start.plus(Duration.ofSeconds(60)));
		});
		assertThat(this.guard.events(GuardEvent.FellBack.class)).singleElement().satisfies(fellBack -> {
			assertThat(fellBack.chain()).isEqualTo("default");
			assertThat(fellBack.from()).isEqualTo("openai/gpt-4o");
			assertThat(fellBack.to()).isEqualTo("openai/gpt-4o-mini");
			assertThat(fellBack.reason()).isEqualTo("rate_limited");
		});
		assertThat(this.guard.finished().model()).isEqualTo("gpt-4o-mini");
		this.guard.assertNothingHeld();
	}

	@Test
	void overloadedModelAlsoFailsOverAtOnceAndCoolsDown() throws Throwable {
		this.provider.on(GPT_4O, status(529));

		assertThat(call()).isEqualTo("gpt-4o-mini");

		assertThat(this.provider.calls()).containsExactly(GPT_4O, MINI);
		assertThat(this.guard.events(GuardEvent.CooledDown.class)).extracting(GuardEvent.CooledDown::reason)
			.containsExactly("overloaded");
	}

	@Test
	void coolingDownModelIsSkippedUntilItsCooldownEnds() throws Throwable {
		this.provider.on(GPT_4O, status(429));
		call();

		// within the cooldown the chain starts at the next model without asking the first
		this.guard.clock.advance(Duration.ofSeconds(59));
		this.guard.events.clear();
		assertThat(call()).isEqualTo("gpt-4o-mini");
		assertThat(this.provider.calls()).containsExactly(GPT_4O, MINI, MINI);
		assertThat(this.guard.events(GuardEvent.FellBack.class)).singleElement()
			.satisfies(fellBack -> assertThat(fellBack.reason()).isEqualTo("cooling_down"));

		this.guard.clock.advance(Duration.ofSeconds(2));
		assertThat(call()).isEqualTo("gpt-4o");
		assertThat(this.provider.calls()).containsExactly(GPT_4O, MINI, MINI, GPT_4O);
		this.guard.assertNothingHeld();
	}

	@Test
	void transientFailureIsRetriedOnTheSameModelBeforeFailingOver() throws Throwable {
		this.provider.on(GPT_4O, status(503));

		assertThat(call()).isEqualTo("gpt-4o");

		assertThat(this.provider.calls()).containsExactly(GPT_4O, GPT_4O);
		assertThat(this.guard.events(GuardEvent.CooledDown.class)).isEmpty();
	}

	@Test
	void lastModelOfTheChainIsNotCooledDownSoTheChainKeepsAnswering() throws Throwable {
		this.provider.on(GPT_4O, status(429)).on(MINI, status(429), status(429), status(429), status(429), status(429));
		assertThatExceptionOfType(FallbackExhaustedException.class).isThrownBy(this::call);
		assertThat(this.guard.events(GuardEvent.CooledDown.class)).extracting(GuardEvent.CooledDown::model)
			.containsExactly("gpt-4o");

		// gpt-4o is still cooling down; the chain's last model is asked again rather than nobody
		assertThat(call()).isEqualTo("gpt-4o-mini");
		assertThat(this.provider.callsTo(MINI)).isEqualTo(EngineFixtures.RETRY.maxAttempts() + 1);
	}

	@Test
	void whenEveryModelIsSkippedTheCallerIsToldWhenTheFirstOneIsBack() throws Throwable {
		this.provider.on(GPT_4O, status(429))
			.on(MINI, new ProviderResponseException(429, "insufficient_quota", Duration.ofSeconds(10), "quota"));
		assertThatExceptionOfType(RuntimeException.class).isThrownBy(this::call);
		int asked = this.provider.calls().size();

		// gpt-4o cools down for 60 s, gpt-4o-mini's quota resets in 10 s: retry in 10 s, not 60
		assertThatExceptionOfType(RateLimitExceededException.class).isThrownBy(this::call)
			.satisfies(ex -> {
				assertThat(ex.getRetryAfter()).isEqualTo(Duration.ofSeconds(10));
				assertThat(ex.getModel()).isEqualTo("gpt-4o-mini");
				assertThat(ex.getMessage()).contains("openai/gpt-4o is cooling down", "openai/gpt-4o-mini's quota is spent",
						"openai/gpt-4o-mini is back first");
			});
		assertThat(this.provider.calls()).hasSize(asked);
	}

}

package dev.llmguard.core.engine;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import dev.llmguard.core.CallRequest;
import dev.llmguard.core.FallbackExhaustedException;
import dev.llmguard.core.FallbackExhaustedException.ModelFailure;
import dev.llmguard.core.FallbackResponseMapper;
import dev.llmguard.core.LlmGuard;
import dev.llmguard.core.RateLimitExceededException;
import dev.llmguard.core.event.GuardEvent;
import dev.llmguard.core.retry.ProviderResponseException;

import static dev.llmguard.core.engine.EngineFixtures.CANNED;
import static dev.llmguard.core.engine.EngineFixtures.GPT_4O;
import static dev.llmguard.core.engine.EngineFixtures.MINI;
import static dev.llmguard.core.engine.EngineFixtures.requestsPerMinute;
import static dev.llmguard.core.engine.EngineFixtures.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/** §3 step 3: every model exhausted → the chain's fallback response, or an exception that says why. */
class ExhaustionTests {

	private final EngineFixtures.Guard guard = EngineFixtures.guard();

	private final ScriptedProvider provider = new ScriptedProvider().always(GPT_4O, status(429))
		.always(MINI, status(400, "context_length_exceeded"));

	@Test
	void chainFallbackResponseIsReturnedThroughTheFacade() {
		LlmGuard facade = new LlmGuard(this.guard.engine);

		String answer = facade.call(facade.request().chain("canned").prompt("Hello").build(), this.provider,
				text -> text);

		assertThat(answer).isEqualTo(CANNED);
		assertThat(this.provider.calls()).containsExactly(GPT_4O, MINI);
		GuardEvent.CallFinished finished = this.guard.finished();
		assertThat(finished.outcome()).isEqualTo("fallback_response");
		assertThat(finished.chain()).isEqualTo("canned");
		assertThat(this.guard.events(GuardEvent.FellBack.class)).last()
			.satisfies(fellBack -> assertThat(fellBack.to()).isEqualTo("fallback_response"));
		this.guard.assertNothingHeld();
	}

	@Test
	void fallbackResponseGoesThroughTheCallersMapper() throws Throwable {
		FallbackResponseMapper<Integer> length = String::length;

		Integer answer = this.guard.engine.execute(CallRequest.builder().chain("canned").build(),
				context -> this.provider.call(context).length(), length);

		assertThat(answer).isEqualTo(CANNED.length());
	}

	@Test
	void withoutFallbackResponseTheExceptionListsEachModelAndWhy() {
		assertThatExceptionOfType(FallbackExhaustedException.class)
			.isThrownBy(() -> this.guard.engine.execute(CallRequest.builder().chain("default").build(), this.provider,
					text -> text))
			.satisfies(ex -> {
				assertThat(ex.getChain()).isEqualTo("default");
				assertThat(ex.getFailures()).extracting(ModelFailure::model, ModelFailure::reason)
					.containsExactly(org.assertj.core.groups.Tuple.tuple("openai/gpt-4o", "rate_limited"),
							org.assertj.core.groups.Tuple.tuple("openai/gpt-4o-mini", "context_length"));
				assertThat(ex.getCause()).isInstanceOf(ProviderResponseException.class);
				assertThat(ex.getMessage()).contains("openai/gpt-4o rate_limited", "openai/gpt-4o-mini context_length");
			});
		assertThat(this.guard.finished().outcome()).isEqualTo("failed");
		this.guard.assertNothingHeld();
	}

	@Test
	void mapperThatCannotCarryTheFallbackResponseGetsTheException() {
		assertThatExceptionOfType(FallbackExhaustedException.class)
			.isThrownBy(() -> this.guard.engine.execute(CallRequest.builder().chain("canned").build(), this.provider,
					FallbackResponseMapper.none()));
	}

	@Test
	void everyModelRejectedByTheGuardsOwnRateLimitRaisesRateLimitExceeded() throws Throwable {
		EngineFixtures.Guard limited = EngineFixtures.guard(s -> s.providerLimits = requestsPerMinute(1));
		CallRequest request = CallRequest.builder().chain("default").maxWait(Duration.ZERO).build();
		limited.engine.execute(request, this.provider.always(GPT_4O, "ok"), text -> text);
		limited.events.clear();

		assertThatExceptionOfType(RateLimitExceededException.class)
			.isThrownBy(() -> limited.engine.execute(request, this.provider, text -> text))
			.isNotInstanceOf(FallbackExhaustedException.class)
			.satisfies(ex -> {
				assertThat(ex.getProvider()).isEqualTo("openai");
				assertThat(ex.getModel()).isEqualTo("gpt-4o-mini");
				assertThat(ex.getRetryAfter()).isPositive();
				assertThat(ex.getMessage()).contains("requests-per-minute");
			});
		assertThat(this.provider.calls()).hasSize(1);
		assertThat(limited.finished().outcome()).isEqualTo("rate_limited");
		assertThat(limited.events(GuardEvent.Rejected.class)).extracting(GuardEvent.Rejected::reason)
			.containsExactly("rate_limited", "rate_limited");
		limited.assertNothingHeld();
	}

	@Test
	void singleModelFailureRaisesTheProvidersOwnError() {
		ProviderResponseException quota = status(429, "insufficient_quota");
		this.provider.always(GPT_4O, quota);

		assertThatExceptionOfType(ProviderResponseException.class)
			.isThrownBy(() -> this.guard.engine.execute(CallRequest.builder().model(GPT_4O).build(), this.provider,
					text -> text))
			.isSameAs(quota);
	}

}

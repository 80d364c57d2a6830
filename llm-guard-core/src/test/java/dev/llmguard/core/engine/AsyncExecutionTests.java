package dev.llmguard.core.engine;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.llmguard.core.BudgetExceededException;
import dev.llmguard.core.CallRequest;
import dev.llmguard.core.LlmGuard;
import dev.llmguard.core.config.BudgetScope;
import dev.llmguard.core.config.OnExceeded;
import dev.llmguard.core.event.GuardEvent;
import dev.llmguard.core.model.Usage;
import dev.llmguard.core.retry.ProviderResponseException;

import static dev.llmguard.core.engine.EngineFixtures.CANNED;
import static dev.llmguard.core.engine.EngineFixtures.GPT_4O;
import static dev.llmguard.core.engine.EngineFixtures.MINI;
import static dev.llmguard.core.engine.EngineFixtures.costBudget;
import static dev.llmguard.core.engine.EngineFixtures.requestsPerDay;
import static dev.llmguard.core.engine.EngineFixtures.status;
import static dev.llmguard.core.engine.InterruptTests.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/** The §3 pipeline through {@code executeAsync}: the same retries, failover and settlement as a blocking call. */
class AsyncExecutionTests {

	private final EngineFixtures.Guard guard = EngineFixtures.guard(s -> {
		s.providerLimits = requestsPerDay(100);
		s.budget(costBudget("daily", BudgetScope.GLOBAL, "10.00", OnExceeded.REJECT));
		s.budget(costBudget("tenant-cap", BudgetScope.TENANT, "0.001", OnExceeded.REJECT));
	});

	private final ScriptedProvider provider = new ScriptedProvider();

	private final Instant start = this.guard.clock.instant();

	private CompletableFuture<String> callAsync(CallRequest request) {
		return this.guard.engine.executeAsync(request, this.provider.async(), text -> text);
	}

	private static <T> T await(CompletableFuture<T> future) throws Exception {
		return future.get(10, TimeUnit.SECONDS);
	}

	@Test
	void failsOverRetriesAndSettles() throws Exception {
		this.provider.on(GPT_4O, status(429)).on(MINI, status(503), new Usage(1000, 500));

		String answer = await(callAsync(CallRequest.builder().chain("default").estimatedInputTokens(1000L).build()));

		assertThat(answer).isEqualTo("gpt-4o-mini");
		assertThat(this.provider.calls()).containsExactly(GPT_4O, MINI, MINI);
		assertThat(this.guard.events(GuardEvent.CooledDown.class)).extracting(GuardEvent.CooledDown::model)
			.containsExactly("gpt-4o");
		assertThat(this.guard.events(GuardEvent.Retried.class)).singleElement()
			.satisfies(retried -> assertThat(retried.model()).isEqualTo("gpt-4o-mini"));
		// mini at 0.15 / 0.60 per 1M: 1,000 in + 500 out = $0.00015 + $0.0003
		assertThat(this.guard.budget("daily", "").spentCostNanos()).isEqualTo(450_000L);
		assertThat(this.guard.available("requests-per-day")).isEqualTo(97);
		assertThat(this.guard.finished().outcome()).isEqualTo("success");
		this.guard.assertNothingHeld();
	}

	@Test
	void retryAfterIsHonouredExactly() throws Exception {
		this.provider.on(GPT_4O, status(503, Duration.ofSeconds(7)));

		assertThat(await(callAsync(CallRequest.builder().model(GPT_4O).build()))).isEqualTo("gpt-4o");

		assertThat(this.guard.clock.instant()).isEqualTo(this.start.plusSeconds(7));
	}

	@Test
	void givesUpAfterMaxAttempts() {
		this.provider.always(GPT_4O, status(503));

		assertThatExceptionOfType(ExecutionException.class)
			.isThrownBy(() -> await(callAsync(CallRequest.builder().model(GPT_4O).build())))
			.withCauseInstanceOf(ProviderResponseException.class);

		assertThat(this.provider.calls()).hasSize(EngineFixtures.RETRY.maxAttempts());
		assertThat(this.guard.available("requests-per-day")).isEqualTo(100 - EngineFixtures.RETRY.maxAttempts());
		this.guard.assertNothingHeld();
	}

	@Test
	void exhaustedChainCompletesWithTheFallbackResponse() throws Exception {
		this.provider.always(GPT_4O, status(429, "insufficient_quota")).always(MINI, status(429, "insufficient_quota"));

		LlmGuard facade = new LlmGuard(this.guard.engine);
		String answer = await(facade.callAsync(facade.request().chain("canned").build(), this.provider.async()));

		assertThat(answer).isEqualTo(CANNED);
		assertThat(this.guard.finished().outcome()).isEqualTo("fallback_response");
		this.guard.assertNothingHeld();
	}

	@Test
	void budgetRejectionFailsTheFuture() {
		CompletableFuture<String> answer = callAsync(CallRequest.builder()
			.model(GPT_4O)
			.tenant("acme")
			.estimatedInputTokens(1000L)
			.build());

		assertThatExceptionOfType(ExecutionException.class).isThrownBy(() -> await(answer))
			.withCauseInstanceOf(BudgetExceededException.class);
		assertThat(this.provider.calls()).isEmpty();
		this.guard.assertNothingHeld();
	}

	@Test
	void cancellingTheCallGivesItsCapacityBack() throws Exception {
		CompletableFuture<String> never = new CompletableFuture<>();

		CountDownLatch called = new CountDownLatch(1);

		CompletableFuture<String> answer = this.guard.engine.executeAsync(CallRequest.builder().model(GPT_4O).build(),
				context -> {
					called.countDown();
					return never;
				}, text -> text);
		assertThat(called.await(10, TimeUnit.SECONDS)).as("the provider is called").isTrue();
		answer.cancel(true);

		// the guard's thread may still be wiring the call up when the cancel lands: it reaches it then
		eventually(never::isCancelled, "the provider's call is cancelled");
		eventually(() -> this.guard.ledger.openReservations() == 0, "the reservation is given up");
		this.guard.assertNothingHeld();
	}

}

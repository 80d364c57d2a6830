package dev.llmguard.metrics;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.tck.TestObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistryAssert;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

import dev.llmguard.actuate.ObserveFixtures;
import dev.llmguard.core.BudgetExceededException;
import dev.llmguard.core.CallRequest;
import dev.llmguard.core.FallbackResponseMapper;
import dev.llmguard.core.LlmGuardEngine;
import dev.llmguard.core.model.Usage;
import dev.llmguard.core.retry.ProviderResponseException;
import dev.llmguard.reactive.ChunkReader;
import dev.llmguard.reactive.GuardedFlux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class ObservationCallObserverTests {

	private final TestObservationRegistry registry = TestObservationRegistry.create();

	private final List<String> events = new CopyOnWriteArrayList<>();

	private final List<String> stopped = new CopyOnWriteArrayList<>();

	private final LlmGuardEngine engine = ObserveFixtures.engine(ObserveFixtures.clock());

	ObservationCallObserverTests() {
		this.registry.observationConfig().observationHandler(new ObservationHandler<>() {

			@Override
			public void onEvent(Observation.Event event, Observation.Context context) {
				ObservationCallObserverTests.this.events.add(event.getName());
			}

			@Override
			public void onStop(Observation.Context context) {
				ObservationCallObserverTests.this.stopped.add(context.getName());
			}

			@Override
			public boolean supportsContext(Observation.Context context) {
				return true;
			}

		});
		this.engine.observeCalls(new ObservationCallObserver(this.registry));
	}

	@Test
	void aCallIsAnObservationWithProviderModelAndOutcome() throws Throwable {
		ObserveFixtures.call(this.engine, "acme", new Usage(100, 20));

		TestObservationRegistryAssert.assertThat(this.registry)
			.hasObservationWithNameEqualTo("llm.guard.call")
			.that()
			.hasBeenStarted()
			.hasBeenStopped()
			.hasLowCardinalityKeyValue("provider", "openai")
			.hasLowCardinalityKeyValue("model", "gpt-4o")
			.hasLowCardinalityKeyValue("outcome", "success")
			.hasHighCardinalityKeyValue("llm.guard.chain", "default")
			.doesNotHaveError();
		assertThat(this.events).containsExactly("llm.guard.wait", "llm.guard.attempt", "llm.guard.settle");
	}

	@Test
	void aStreamIsAnObservationLikeACallWithTheSameEvents() {
		CallRequest request = CallRequest.builder().chain("default").estimatedInputTokens(10L).build();

		List<String> chunks = GuardedFlux
			.flux(this.engine, request,
					(context) -> Flux.just("a", "b").doOnComplete(() -> context.recordUsage(new Usage(10, 2))), null,
					ChunkReader.TEXT)
			.collectList()
			.block(Duration.ofSeconds(10));

		assertThat(chunks).containsExactly("a", "b");
		TestObservationRegistryAssert.assertThat(this.registry)
			.hasObservationWithNameEqualTo("llm.guard.call")
			.that()
			.hasBeenStarted()
			.hasBeenStopped()
			.hasLowCardinalityKeyValue("provider", "openai")
			.hasLowCardinalityKeyValue("model", "gpt-4o")
			.hasLowCardinalityKeyValue("outcome", "success")
			.doesNotHaveError();
		assertThat(this.events).containsExactly("llm.guard.wait", "llm.guard.attempt", "llm.guard.settle");
	}

	@Test
	void aStreamedProviderCallNestsInsideTheStreamsObservation() {
		CallRequest request = CallRequest.builder().chain("default").estimatedInputTokens(10L).build();

		GuardedFlux.flux(this.engine, request, (context) -> Flux.just(
				Observation.createNotStarted("gen_ai.client.operation", this.registry).observe(() -> "answer")), null,
				ChunkReader.TEXT).blockLast(Duration.ofSeconds(10));

		TestObservationRegistryAssert.assertThat(this.registry)
			.hasObservationWithNameEqualTo("gen_ai.client.operation")
			.that()
			.hasParentObservationContextMatching((parent) -> "llm.guard.call".equals(parent.getName()));
	}

	@Test
	void aCancelledStreamStopsItsObservation() {
		CallRequest request = CallRequest.builder().chain("default").estimatedInputTokens(10L).build();

		GuardedFlux.flux(this.engine, request, (context) -> Flux.just("a", "b", "c"), null, ChunkReader.TEXT)
			.take(1)
			.blockLast(Duration.ofSeconds(10));

		assertThat(this.stopped).containsExactly("llm.guard.call");
	}

	@Test
	void theProviderClientsObservationNestsInsideTheCall() throws Throwable {
		CallRequest request = CallRequest.builder().chain("default").estimatedInputTokens(10L).build();

		this.engine.execute(request, (context) -> Observation.createNotStarted("gen_ai.client.operation", this.registry)
			.observe(() -> "answer"), FallbackResponseMapper.none());

		TestObservationRegistryAssert.assertThat(this.registry)
			.hasObservationWithNameEqualTo("gen_ai.client.operation")
			.that()
			.hasParentObservationContextMatching((parent) -> "llm.guard.call".equals(parent.getName()));
		assertThat(this.registry.getCurrentObservation()).isNull();
	}

	@Test
	void anAsynchronousCallIsObservedAndItsProviderCallNestsToo() throws Exception {
		CallRequest request = CallRequest.builder().chain("default").estimatedInputTokens(10L).build();

		CompletableFuture<String> answer = this.engine.executeAsync(request,
				(context) -> CompletableFuture.completedFuture(
						Observation.createNotStarted("gen_ai.client.operation", this.registry).observe(() -> "answer")),
				FallbackResponseMapper.none());

		assertThat(answer.get(10, TimeUnit.SECONDS)).isEqualTo("answer");
		TestObservationRegistryAssert.assertThat(this.registry)
			.hasObservationWithNameEqualTo("gen_ai.client.operation")
			.that()
			.hasParentObservationContextMatching((parent) -> "llm.guard.call".equals(parent.getName()));
		TestObservationRegistryAssert.assertThat(this.registry)
			.hasObservationWithNameEqualTo("llm.guard.call")
			.that()
			.hasBeenStopped()
			.hasLowCardinalityKeyValue("outcome", "success");
	}

	@Test
	void theCallersCallbackRunsAfterTheCallsObservationHasStopped() throws Exception {
		CallRequest request = CallRequest.builder().chain("default").estimatedInputTokens(10L).build();
		CompletableFuture<String> provider = new CompletableFuture<>();
		CountDownLatch called = new CountDownLatch(1);

		CompletableFuture<String> answer = this.engine.executeAsync(request, (context) -> {
			called.countDown();
			return provider;
		}, FallbackResponseMapper.none());
		// registered before the call completes, as a caller's tracing callback would be
		CompletableFuture<List<String>> stoppedWhenCalledBack = answer.handle((value, failure) -> List.copyOf(this.stopped));
		assertThat(called.await(10, TimeUnit.SECONDS)).isTrue();
		provider.complete("answer");

		assertThat(stoppedWhenCalledBack.get(10, TimeUnit.SECONDS)).containsExactly("llm.guard.call");
		assertThat(answer).isCompletedWithValue("answer");
	}

	@Test
	void theCallersCallbackRunsAfterTheObservationOfAFailedCallHasStopped() throws Exception {
		CallRequest request = CallRequest.builder().chain("default").estimatedInputTokens(10L).build();
		CompletableFuture<String> provider = new CompletableFuture<>();
		CountDownLatch called = new CountDownLatch(1);

		CompletableFuture<String> answer = this.engine.executeAsync(request, (context) -> {
			called.countDown();
			return provider;
		}, FallbackResponseMapper.none());
		CompletableFuture<List<String>> stoppedWhenCalledBack = answer.handle((value, failure) -> List.copyOf(this.stopped));
		assertThat(called.await(10, TimeUnit.SECONDS)).isTrue();
		provider.completeExceptionally(new ProviderResponseException(400, "invalid_request", null, "bad request"));

		assertThat(stoppedWhenCalledBack.get(10, TimeUnit.SECONDS)).containsExactly("llm.guard.call");
		assertThat(answer).isCompletedExceptionally();
		TestObservationRegistryAssert.assertThat(this.registry)
			.hasObservationWithNameEqualTo("llm.guard.call")
			.that()
			.hasError();
	}

	@Test
	void cancellingAnAsynchronousCallStopsItsObservation() throws Exception {
		CallRequest request = CallRequest.builder().chain("default").estimatedInputTokens(10L).build();
		CompletableFuture<String> provider = new CompletableFuture<>();
		CountDownLatch called = new CountDownLatch(1);

		CompletableFuture<String> answer = this.engine.executeAsync(request, (context) -> {
			called.countDown();
			return provider;
		}, FallbackResponseMapper.none());
		assertThat(called.await(10, TimeUnit.SECONDS)).isTrue();
		answer.cancel(true);

		assertThat(this.stopped).containsExactly("llm.guard.call");
		// the cancellation reaches the provider's stage (from the guard's thread when it was still handing it over)
		assertThat(provider).failsWithin(Duration.ofSeconds(10)).withThrowableOfType(CancellationException.class);
	}

	@Test
	void retriesAndFallbacksAreEventsOfTheCall() throws Throwable {
		CallRequest request = CallRequest.builder().chain("default").estimatedInputTokens(10L).build();
		int[] calls = new int[1];

		this.engine.execute(request, (context) -> {
			calls[0]++;
			if (context.model().equals("gpt-4o")) {
				throw new ProviderResponseException(429, "rate_limit_exceeded", Duration.ofSeconds(1), "slow down");
			}
			if (calls[0] == 2) {
				throw new ProviderResponseException(503, null, null, "unavailable");
			}
			return "answer";
		}, FallbackResponseMapper.none());

		assertThat(this.events).containsExactly("llm.guard.wait", "llm.guard.attempt", "llm.guard.fallback",
				"llm.guard.wait", "llm.guard.attempt", "llm.guard.retry", "llm.guard.settle");
		TestObservationRegistryAssert.assertThat(this.registry)
			.hasObservationWithNameEqualTo("llm.guard.call")
			.that()
			.hasLowCardinalityKeyValue("model", "gpt-4o-mini")
			.hasHighCardinalityKeyValue("llm.guard.attempts", "3");
	}

	@Test
	void aRefusedCallEndsWithItsOutcomeAndError() throws Throwable {
		ObserveFixtures.call(this.engine, "acme", new Usage(0, 100_000)); // the tenant's whole $1
		this.registry.clear();
		CallRequest request = CallRequest.builder().model("openai/gpt-4o").tenant("acme").estimatedInputTokens(10L).build();

		assertThatExceptionOfType(BudgetExceededException.class)
			.isThrownBy(() -> this.engine.execute(request, (context) -> "never", FallbackResponseMapper.none()));

		TestObservationRegistryAssert.assertThat(this.registry)
			.hasObservationWithNameEqualTo("llm.guard.call")
			.that()
			.hasBeenStopped()
			.hasLowCardinalityKeyValue("outcome", "budget_exceeded")
			.hasError();
	}

	@Test
	void noTenantOrSessionBecomesAKey() throws Throwable {
		CallRequest request = CallRequest.builder()
			.chain("default")
			.tenant("acme")
			.session("s-1")
			.estimatedInputTokens(10L)
			.build();

		this.engine.execute(request, (context) -> "answer", FallbackResponseMapper.none());

		TestObservationRegistryAssert.assertThat(this.registry)
			.hasObservationWithNameEqualTo("llm.guard.call")
			.that()
			.satisfies((context) -> assertThat(context.getAllKeyValues()).noneMatch(
					(kv) -> kv.getValue().equals("acme") || kv.getValue().equals("s-1")));
	}

}

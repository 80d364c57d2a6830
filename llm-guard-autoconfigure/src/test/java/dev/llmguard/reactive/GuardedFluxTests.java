package dev.llmguard.reactive;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

import dev.llmguard.annotation.GuardFixtures.RecordingLedger;
import dev.llmguard.annotation.GuardFixtures;
import dev.llmguard.core.CallRequest;
import dev.llmguard.core.LlmGuardContext;
import dev.llmguard.core.LlmGuardEngine;
import dev.llmguard.core.ToolLimitExceededException;
import dev.llmguard.core.config.GuardSettings;
import dev.llmguard.core.config.ToolSpec;
import dev.llmguard.core.model.Usage;
import dev.llmguard.core.retry.ProviderResponseException;
import dev.llmguard.core.time.ManualGuardClock;

import static org.assertj.core.api.Assertions.assertThat;

class GuardedFluxTests {

	private static final Duration TIMEOUT = Duration.ofSeconds(10);

	private final RecordingLedger ledger = new RecordingLedger();

	private final LlmGuardEngine engine = GuardFixtures.engine(this.ledger);

	@AfterEach
	void closeEngine() {
		this.engine.close();
	}

	private static CallRequest request() {
		return CallRequest.builder().chain("default").prompt("Hi").build();
	}

	@Test
	void innerGuardedStreamSubscribedInsideAnAdmittedStreamIsNotAdmittedAgain() {
		Flux<String> inner = GuardedFlux.flux(this.engine, request(),
				context -> Flux.just("inner on " + context.model()), null, ChunkReader.TEXT);
		// the inner stream is subscribed after the outer operation returned, so only the Reactor context tells
		Flux<String> outer = GuardedFlux.flux(this.engine, request(), context -> Flux.defer(() -> inner), null,
				ChunkReader.TEXT);
		StepVerifier.create(outer).expectNext("inner on gpt-4o").verifyComplete();
		assertThat(this.ledger.reservations()).isOne();
		assertThat(this.ledger.open()).isZero();
	}

	@Test
	void aStreamIsSettledOnTheGuardsExecutorNotOnTheThreadThatCompletedIt() {
		Scheduler providerIo = Schedulers.newSingle("provider-io");
		try {
			Flux<String> stream = GuardedFlux.flux(this.engine, request(),
					context -> Flux.just("a", "b").publishOn(providerIo), null, ChunkReader.TEXT);
			StepVerifier.create(stream).expectNext("a", "b").verifyComplete();
		}
		finally {
			providerIo.dispose();
		}
		// settling may call a shared backend (Redis): it must not hold up the client's I/O thread
		assertThat(this.ledger.commitThreads()).singleElement().asString().startsWith("llm-guard-async-");
	}

	@Test
	void usageRecordedByTheOperationWinsOverTheEstimate() {
		Flux<String> stream = GuardedFlux.flux(this.engine, request(), context -> Flux.just("a", "b")
			.doOnComplete(() -> context.recordUsage(new Usage(11, 2))), null, ChunkReader.TEXT);
		StepVerifier.create(stream).expectNext("a", "b").verifyComplete();
		assertThat(this.ledger.committedTokens()).containsExactly(13L);
	}

	@Test
	void monoSettlesWithUsageTheEngineFindsInTheValue() {
		Mono<String> mono = GuardedFlux.mono(this.engine, request(), context -> {
			context.recordUsage(5, 5);
			return Mono.just("ok");
		}, null, ChunkReader.TEXT);
		StepVerifier.create(mono).expectNext("ok").verifyComplete();
		assertThat(this.ledger.committedTokens()).containsExactly(10L);
	}

	@Test
	void operationThatThrowsIsAFailureBeforeTheFirstElement() {
		AtomicInteger calls = new AtomicInteger();
		Flux<String> stream = GuardedFlux.flux(this.engine, request(), context -> {
			calls.incrementAndGet();
			throw new IllegalStateException("bad request");
		}, null, ChunkReader.TEXT);
		StepVerifier.create(stream).expectErrorMessage("bad request").verify(TIMEOUT);
		assertThat(calls).hasValue(1);
		assertThat(this.ledger.open()).isZero();
		assertThat(GuardFixtures.inUse(this.engine)).isZero();
	}

	@Test
	void limitedToolAnswersItsFallbackResponseOrFails() {
		GuardSettings base = GuardFixtures.settings();
		GuardSettings settings = new GuardSettings(base.headroom(), base.zone(), base.defaultInputPrice(),
				base.defaultOutputPrice(), base.defaultMaxOutputTokens(), base.minOutputTokens(), base.shrinkToFit(),
				base.defaultMaxWait(), base.retry(),
				base.priorityReserve(), base.providers(), base.chains(), base.budgets(),
				java.util.Map.of("search", new ToolSpec("search", 1, Duration.ofMinutes(1), "[]"), "lookup",
						new ToolSpec("lookup", 1, Duration.ofMinutes(1), null)));
		try (LlmGuardEngine tools = LlmGuardEngine.builder(settings).clock(new ManualGuardClock()).build()) {
			CallRequest search = request().toBuilder().tool("search").build();
			CallRequest lookup = request().toBuilder().tool("lookup").build();
			StreamOperation<String> operation = context -> Flux.just("result");
			StepVerifier.create(GuardedFlux.flux(tools, search, operation, text -> text, null))
				.expectNext("result")
				.verifyComplete();
			StepVerifier.create(GuardedFlux.flux(tools, search, operation, text -> text, null))
				.expectNext("[]")
				.verifyComplete();
			StepVerifier.create(GuardedFlux.flux(tools, lookup, operation, text -> text, null))
				.expectNext("result")
				.verifyComplete();
			StepVerifier.create(GuardedFlux.flux(tools, lookup, operation, text -> text, null))
				.expectError(ToolLimitExceededException.class)
				.verify(TIMEOUT);
		}
	}

	@Test
	void aStreamCancelledDuringItsRetryPauseStopsPausingAndGivesItsCapacityBack() throws Exception {
		ManualGuardClock clock = new ManualGuardClock().waitingSleeps();
		try (LlmGuardEngine pausing = LlmGuardEngine.builder(GuardFixtures.settings())
			.clock(clock)
			.ledger(this.ledger)
			.build()) {
			AtomicInteger calls = new AtomicInteger();
			Flux<String> stream = GuardedFlux.flux(pausing, request(), context -> {
				calls.incrementAndGet();
				return Flux.error(new ProviderResponseException(500, null, null, "HTTP 500"));
			}, null, ChunkReader.TEXT);
			Disposable subscription = stream.subscribe(element -> {
			}, error -> {
			});
			Awaitility.await().atMost(TIMEOUT).until(() -> clock.sleeping() == 1);

			subscription.dispose();

			Awaitility.await().atMost(TIMEOUT).until(() -> clock.sleeping() == 0);
			Awaitility.await().atMost(TIMEOUT).until(() -> this.ledger.open() == 0);
			assertThat(GuardFixtures.inUse(pausing)).isZero();
			assertThat(calls).hasValue(1);
			assertThat(this.ledger.committedTokens()).isEmpty(); // a 500 is no answer: nothing is charged
		}
	}

	@Test
	void nothingIsAdmittedOnTheSubscribingThread() {
		String subscriber = Thread.currentThread().getName();
		Flux<String> stream = GuardedFlux.flux(this.engine, request(),
				context -> Flux.just(Thread.currentThread().getName()), null, ChunkReader.TEXT);
		StepVerifier.create(stream)
			.assertNext(thread -> assertThat(thread).isNotEqualTo(subscriber).startsWith("llm-guard-async-"))
			.verifyComplete();
		assertThat(LlmGuardContext.isActive()).isFalse();
	}

}

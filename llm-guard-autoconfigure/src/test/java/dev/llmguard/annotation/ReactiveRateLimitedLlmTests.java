package dev.llmguard.annotation;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.metadata.ChatResponseMetadata;
import org.springframework.ai.chat.metadata.DefaultUsage;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

import dev.llmguard.annotation.GuardFixtures.RecordingLedger;
import dev.llmguard.core.FallbackExhaustedException;
import dev.llmguard.core.LlmGuardContext;
import dev.llmguard.core.LlmGuardEngine;
import dev.llmguard.core.LlmGuardException;
import dev.llmguard.core.retry.ProviderResponseException;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code Mono} and {@code Flux} methods: admitted on subscription, settled when they terminate. */
class ReactiveRateLimitedLlmTests {

	private static final Duration TIMEOUT = Duration.ofSeconds(10);

	private final RecordingLedger ledger = new RecordingLedger();

	private final LlmGuardEngine engine = GuardFixtures.engine(this.ledger);

	private final StreamingService target = new StreamingService();

	private final StreamingService service = GuardFixtures.proxy(this.target,
			new RateLimitedLlmAspect(this.engine, RateLimitedLlmAspect.DEFAULT_ORDER));

	@AfterEach
	void closeEngine() {
		this.engine.close();
	}

	@Test
	void monoIsAdmittedOnSubscriptionAndSettledWithItsValue() {
		Mono<String> answer = this.service.mono("Hi");
		assertThat(this.ledger.reservations()).as("nothing admitted before subscription").isZero();
		StepVerifier.create(answer).expectNext("mono by gpt-4o").expectComplete().verify(TIMEOUT);
		assertThat(this.ledger.committedTokens()).hasSize(1);
		assertThat(this.ledger.open()).isZero();
	}

	@Test
	void monoFallbackMethodAnswersWhenEveryModelFailed() {
		StepVerifier.create(this.service.failingMono("Hi")).expectNext("mono fallback").expectComplete().verify(TIMEOUT);
		assertThat(this.ledger.open()).isZero();
		assertThat(GuardFixtures.inUse(this.engine)).isZero();
	}

	@Test
	void fluxStreamsUnderTheChosenModelAndSettlesFromTheLastUsageChunk() {
		StepVerifier.create(this.service.chatStream("Hi"))
			.expectNextCount(3)
			.expectComplete()
			.verify(TIMEOUT);
		assertThat(this.target.modelSeen).isEqualTo("gpt-4o");
		assertThat(this.ledger.committedTokens()).containsExactly(30L + 3L);
		assertThat(this.ledger.open()).isZero();
		assertThat(GuardFixtures.inUse(this.engine)).isZero();
	}

	@Test
	void fluxWithoutUsageSettlesWithAnEstimateOfTheStreamedText() {
		StepVerifier.create(this.service.words("Hi")).expectNext("one ", "two ", "three").expectComplete().verify(TIMEOUT);
		assertThat(this.ledger.committedTokens()).hasSize(1);
		assertThat(this.ledger.open()).isZero();
	}

	@Test
	void fluxCancelledAfterItsRequestLeftButBeforeAnyElementIsChargedItsReservedWorstCase() {
		CountDownLatch subscribed = new CountDownLatch(1);
		this.target.source = Flux.<String>never().doOnSubscribe(subscription -> subscribed.countDown());
		StepVerifier.create(this.service.fromSource("Hi"))
			.expectSubscription()
			.then(() -> await(subscribed))
			.thenCancel()
			.verify(TIMEOUT);
		// the provider has the prompt: what was reserved is what it may bill
		assertThat(this.ledger.reservations()).isOne();
		assertThat(this.ledger.releases()).isZero();
		assertThat(this.ledger.committedTokens()).containsExactly(this.ledger.reservedTokens().get(0));
		assertThat(this.ledger.open()).isZero();
		assertThat(GuardFixtures.inUse(this.engine)).isZero();
	}

	@Test
	void cancelledFluxAfterSomeElementsSettlesWhatWasStreamed() {
		Sinks.Many<String> sink = Sinks.many().unicast().onBackpressureBuffer();
		this.target.source = sink.asFlux();
		StepVerifier.create(this.service.fromSource("Hi"))
			.expectSubscription()
			.then(() -> sink.tryEmitNext("partial answer"))
			.expectNext("partial answer")
			.thenCancel()
			.verify(TIMEOUT);
		assertThat(this.ledger.committedTokens()).hasSize(1);
		assertThat(this.ledger.releases()).isZero();
		assertThat(this.ledger.open()).isZero();
		assertThat(GuardFixtures.inUse(this.engine)).isZero();
	}

	@Test
	void fluxFailingAfterItsFirstElementSettlesAndPropagatesTheError() {
		this.target.source = Flux.concat(Flux.just("half"),
				Flux.error(new ProviderResponseException(503, "overloaded", null, "overloaded")));
		StepVerifier.create(this.service.fromSource("Hi"))
			.expectNext("half")
			.expectErrorSatisfies(error -> assertThat(error).isInstanceOf(ProviderResponseException.class))
			.verify(TIMEOUT);
		assertThat(this.ledger.committedTokens()).hasSize(1);
		assertThat(this.ledger.reservations()).as("no second model after output").isOne();
		assertThat(this.ledger.open()).isZero();
	}

	@Test
	void fluxFailingBeforeItsFirstElementFailsOverToTheNextModel() {
		StepVerifier.create(this.service.rateLimitedOnFirstModel("Hi"))
			.expectNext("from gpt-4o-mini")
			.expectComplete()
			.verify(TIMEOUT);
		assertThat(this.ledger.reservations()).isEqualTo(2);
		assertThat(this.ledger.releases()).isOne();
		assertThat(this.ledger.committedTokens()).hasSize(1);
		assertThat(this.ledger.open()).isZero();
	}

	@Test
	void fluxOfStringsAnswersTheChainFallbackResponseAsOneElement() {
		StepVerifier.create(this.service.canned("Hi"))
			.expectNext(GuardFixtures.CANNED_ANSWER)
			.expectComplete()
			.verify(TIMEOUT);
		assertThat(this.ledger.open()).isZero();
	}

	@Test
	void fluxFallbackMethodAnswersWhenEveryModelFailed() {
		StepVerifier.create(this.service.failingFlux("Hi"))
			.expectNext("fallback", "stream")
			.expectComplete()
			.verify(TIMEOUT);
		assertThat(this.ledger.open()).isZero();
	}

	@Test
	void fluxWithoutFallbackSurfacesTheGuardsError() {
		StepVerifier.create(this.service.failingFluxWithoutFallback("Hi"))
			.expectError(FallbackExhaustedException.class)
			.verify(TIMEOUT);
		assertThat(this.ledger.open()).isZero();
	}

	@Test
	void eachSubscriptionIsOneGuardedCall() {
		Flux<String> words = this.service.words("Hi");
		StepVerifier.create(words).expectNextCount(3).verifyComplete();
		StepVerifier.create(words).expectNextCount(3).verifyComplete();
		assertThat(this.ledger.committedTokens()).hasSize(2);
	}

	private static void await(CountDownLatch latch) {
		try {
			// admission runs on boundedElastic: the method's stream is subscribed once the call is admitted
			assertThat(latch.await(10, TimeUnit.SECONDS)).as("stream subscribed").isTrue();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	static ChatResponse chunk(String text, Integer input, Integer output) {
		ChatResponseMetadata.Builder metadata = ChatResponseMetadata.builder();
		if (input != null) {
			metadata.usage(new DefaultUsage(input, output));
		}
		return new ChatResponse(List.of(new Generation(new AssistantMessage(text))), metadata.build());
	}

	public static class StreamingService {

		volatile Flux<String> source;

		volatile String modelSeen;

		final AtomicInteger calls = new AtomicInteger();

		@RateLimitedLlm(chain = "default")
		public Mono<String> mono(String prompt) {
			return Mono.just("mono by " + LlmGuardContext.current().model());
		}

		@RateLimitedLlm(chain = "default", fallbackMethod = "monoFallback")
		public Mono<String> failingMono(String prompt) {
			return Mono.error(new ProviderResponseException(503, "overloaded", null, "overloaded"));
		}

		Mono<String> monoFallback(String prompt, LlmGuardException error) {
			return Mono.just("mono fallback");
		}

		@RateLimitedLlm(chain = "default")
		public Flux<ChatResponse> chatStream(String prompt) {
			this.modelSeen = LlmGuardContext.current().model();
			return Flux.just(chunk("Hel", null, null), chunk("lo", null, null), chunk("!", 30, 3));
		}

		@RateLimitedLlm(chain = "default")
		public Flux<String> words(String prompt) {
			return Flux.just("one ", "two ", "three");
		}

		@RateLimitedLlm(chain = "default")
		public Flux<String> fromSource(String prompt) {
			return this.source;
		}

		@RateLimitedLlm(chain = "default")
		public Flux<String> rateLimitedOnFirstModel(String prompt) {
			if (LlmGuardContext.current().model().equals("gpt-4o")) {
				return Flux.error(new ProviderResponseException(429, "rate_limit_exceeded", null, "slow down"));
			}
			return Flux.just("from " + LlmGuardContext.current().model());
		}

		@RateLimitedLlm(chain = "canned")
		public Flux<String> canned(String prompt) {
			return Flux.error(new ProviderResponseException(503, "overloaded", null, "overloaded"));
		}

		@RateLimitedLlm(model = "openai/gpt-4o-mini", fallbackMethod = "fluxFallback")
		public Flux<String> failingFlux(String prompt) {
			return Flux.error(new ProviderResponseException(503, "overloaded", null, "overloaded"));
		}

		Flux<String> fluxFallback(String prompt, Throwable error) {
			return Flux.just("fallback", "stream");
		}

		@RateLimitedLlm(chain = "default")
		public Flux<String> failingFluxWithoutFallback(String prompt) {
			return Flux.error(new ProviderResponseException(503, "overloaded", null, "overloaded"));
		}

	}

}

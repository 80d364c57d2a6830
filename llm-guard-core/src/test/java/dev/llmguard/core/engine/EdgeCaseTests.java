package dev.llmguard.core.engine;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import dev.llmguard.core.CallRequest;
import dev.llmguard.core.RateLimitExceededException;
import dev.llmguard.core.event.GuardEvent;

import static dev.llmguard.core.engine.EngineFixtures.GPT_4O;
import static dev.llmguard.core.engine.EngineFixtures.MINI;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/** Corners of the pipeline: a fully cooling chain, a failing usage extractor, async inside a guarded call. */
class EdgeCaseTests {

	@Test
	void chainWhoseModelsAllCoolDownTellsWhenTheFirstIsBack() {
		EngineFixtures.Guard guard = EngineFixtures.guard();
		Instant now = guard.clock.instant();
		guard.engine.cooldowns().coolDown(GPT_4O, now.plusSeconds(40));
		guard.engine.cooldowns().coolDown(MINI, now.plusSeconds(20));

		assertThatExceptionOfType(RateLimitExceededException.class)
			.isThrownBy(() -> guard.engine.execute(CallRequest.builder().chain("default").prompt("hi").build(),
					ctx -> "never", text -> text))
			.satisfies(ex -> {
				// gpt-4o-mini is back first: a retry then is answered (by it), 20 s before gpt-4o is back
				assertThat(ex.getModel()).isEqualTo("gpt-4o-mini");
				assertThat(ex.getRetryAfter()).isEqualTo(Duration.ofSeconds(20));
			});
		guard.assertNothingHeld();
	}

	@Test
	void usageExtractorThatThrowsDoesNotLoseTheAnswer() throws Throwable {
		EngineFixtures.Guard guard = new EngineFixtures.Guard(EngineFixtures.settings(s -> {
		}), b -> b.usageExtractor(result -> {
			throw new IllegalStateException("malformed usage");
		}));

		String answer = guard.engine.execute(CallRequest.builder().chain("default").prompt("hello there").build(),
				ctx -> "an answer", text -> text);

		assertThat(answer).isEqualTo("an answer");
		assertThat(guard.finished().outcome()).isEqualTo("success");
		assertThat(guard.finished().usageEstimated()).isTrue();
		guard.assertNothingHeld();
	}

	@Test
	void asyncCallInsideAGuardedCallIsNotAdmittedAgain() throws Throwable {
		EngineFixtures.Guard guard = EngineFixtures.guard();
		AtomicInteger inner = new AtomicInteger();

		String answer = guard.engine.execute(CallRequest.builder().chain("default").prompt("outer").build(),
				outer -> guard.engine
					.executeAsync(CallRequest.builder().chain("default").prompt("inner").build(), ctx -> {
						inner.incrementAndGet();
						assertThat(ctx).isSameAs(outer);
						return CompletableFuture.completedFuture(ctx.model());
					}, text -> text)
					.join(),
				text -> text);

		assertThat(answer).isEqualTo("gpt-4o");
		assertThat(inner).hasValue(1);
		assertThat(guard.events(GuardEvent.CallFinished.class)).hasSize(1);
		guard.assertNothingHeld();
	}

}

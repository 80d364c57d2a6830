package dev.llmguard.core.engine;

import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.llmguard.core.CallRequest;
import dev.llmguard.core.RateLimitExceededException;
import dev.llmguard.core.config.RateLimits;
import dev.llmguard.core.model.Usage;
import dev.llmguard.core.time.GuardClock;
import dev.llmguard.core.time.ManualGuardClock;

import static dev.llmguard.core.engine.EngineFixtures.GPT_4O;
import static dev.llmguard.core.engine.InterruptTests.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Try-acquire: a call with {@code maxWait = 0} takes capacity now or fails at once with
 * {@link RateLimitExceededException}: it never parks its thread waiting for capacity another call
 * would have to give back, and it never takes capacity a call queued ahead of it waits for.
 */
class TryAcquireTests {

	/** The guard's manual clock, counting the threads that waited on it. */
	private final WaitCountingClock clock = new WaitCountingClock();

	private final EngineFixtures.Guard guard = new EngineFixtures.Guard(EngineFixtures.settings(s -> {
		s.maxConcurrent = 1;
		s.providerLimits = new RateLimits(null, 1000L, null, null, null, null);
	}), builder -> builder.clock(this.clock));

	private final CountDownLatch release = new CountDownLatch(1);

	private final ScriptedProvider provider = new ScriptedProvider();

	@AfterEach
	void releaseHolders() {
		this.release.countDown();
	}

	private CallRequest request(long tokens, int priority, Duration maxWait) {
		return CallRequest.builder()
			.model(GPT_4O)
			.estimatedInputTokens(tokens / 2)
			.maxOutputTokens((int) (tokens / 2))
			.priority(priority)
			.maxWait(maxWait)
			.build();
	}

	@Test
	void zeroMaxWaitFailsAtOnceWhenOnlyAnotherCallCouldGiveTheCapacityBack() throws Throwable {
		// holds the provider's only concurrency slot until released
		CompletableFuture<String> holder = CompletableFuture.supplyAsync(() -> call(request(100, 5, null), context -> {
			this.release.await();
			context.recordUsage(new Usage(50, 50));
			return "held";
		}));
		eventually(() -> this.guard.limits().inUse() == 1, "the first call holds the only slot");
		Instant before = this.clock.manual.instant();

		assertThatExceptionOfType(RateLimitExceededException.class)
			.isThrownBy(() -> this.guard.engine.execute(request(100, 1, Duration.ZERO), this.provider, text -> text))
			.withMessageContaining("no capacity now")
			.withMessageContaining("max-concurrent 1, 1 in use");

		assertThat(this.clock.waitedOn).doesNotContain(Thread.currentThread());
		assertThat(this.clock.manual.instant()).isEqualTo(before);
		assertThat(this.provider.calls()).isEmpty();
		assertThat(holder).isNotDone();
		this.release.countDown();
		assertThat(holder.get(10, TimeUnit.SECONDS)).isEqualTo("held");
		// with the capacity back, the same call gets it at once
		assertThat(this.guard.engine.execute(request(100, 1, Duration.ZERO), this.provider, text -> text))
			.isEqualTo("gpt-4o");
		this.guard.assertNothingHeld();
	}

	@Test
	void zeroMaxWaitNeverTakesCapacityACallQueuedAheadWaitsFor() throws Throwable {
		// 800 of the minute's 1,000 tokens spent: 200 left
		this.guard.engine.execute(request(800, 5, null), context -> {
			context.recordUsage(new Usage(400, 400));
			return "spent";
		}, text -> text);
		// an urgent call needing 500 tokens waits for the refill
		CompletableFuture<String> queued = CompletableFuture
			.supplyAsync(() -> call(request(500, 1, Duration.ofSeconds(40)), this.provider));
		eventually(() -> this.guard.limits().waiting() == 1, "the urgent call waits for tokens");

		// 100 tokens would fit in the 200 left, but they are the queued call's refill
		assertThatExceptionOfType(RateLimitExceededException.class)
			.isThrownBy(() -> this.guard.engine.execute(request(100, 1, Duration.ZERO), this.provider, text -> text))
			.withMessageContaining("no capacity now")
			.withMessageContaining("behind 1 more urgent or earlier calls");

		assertThat(this.clock.waitedOn).doesNotContain(Thread.currentThread());
		assertThat(this.guard.available("tokens-per-minute")).isEqualTo(200);
		this.clock.manual.advance(Duration.ofSeconds(18));
		assertThat(queued.get(10, TimeUnit.SECONDS)).isEqualTo("gpt-4o");
		assertThat(this.provider.calls()).hasSize(1);
		this.guard.assertNothingHeld();
	}

	private String call(CallRequest request, dev.llmguard.core.GuardedOperation<String> operation) {
		try {
			return this.guard.engine.execute(request, operation, text -> text);
		}
		catch (RuntimeException ex) {
			throw ex;
		}
		catch (Throwable ex) {
			throw new IllegalStateException(ex);
		}
	}

	/** The engine's clock: a manual clock that remembers which threads waited on it. */
	private static final class WaitCountingClock implements GuardClock {

		final ManualGuardClock manual = new ManualGuardClock();

		final Set<Thread> waitedOn = ConcurrentHashMap.newKeySet();

		@Override
		public Instant instant() {
			return this.manual.instant();
		}

		@Override
		public void sleep(Duration duration) throws InterruptedException {
			this.waitedOn.add(Thread.currentThread());
			this.manual.sleep(duration);
		}

		@Override
		public void await(Condition condition, Duration atMost) throws InterruptedException {
			this.waitedOn.add(Thread.currentThread());
			this.manual.await(condition, atMost);
		}

	}

}

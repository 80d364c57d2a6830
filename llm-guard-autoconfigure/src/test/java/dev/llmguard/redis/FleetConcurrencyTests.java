package dev.llmguard.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationContext;

import dev.llmguard.core.CallRequest;
import dev.llmguard.core.FallbackResponseMapper;
import dev.llmguard.core.LlmGuardEngine;
import dev.llmguard.core.RateLimitExceededException;
import dev.llmguard.core.config.GuardSettings;
import dev.llmguard.core.config.ProviderSpec;
import dev.llmguard.core.time.ManualGuardClock;
import dev.llmguard.test.redis.RedisServerExtension;

import static dev.llmguard.redis.RedisTestSupport.GPT_4O;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * {@code max-concurrent} with the Redis backend holds across the fleet: two application instances
 * sharing one Redis never have more calls in flight than the cap together, also after one of them
 * died holding slots, whose leases end after {@code llm.guard.redis.concurrency-lease}.
 */
class FleetConcurrencyTests {

	@RegisterExtension
	static final RedisServerExtension redis = new RedisServerExtension();

	private static final int CAP = 3;

	private static final Duration LEASE = Duration.ofSeconds(10);

	private static final String SLOTS = "provider:openai:max-concurrent";

	private final ManualGuardClock clock = new ManualGuardClock(RedisTestSupport.START);

	private final ExecutorService threads = Executors.newCachedThreadPool();

	/** Calls in flight across both instances, and the most seen at once. */
	private final AtomicInteger inFlight = new AtomicInteger();

	private final AtomicInteger mostInFlight = new AtomicInteger();

	/** One permit for each call that entered the provider. */
	private final Semaphore entered = new Semaphore(0);

	@BeforeEach
	void flush() {
		try (RedisTestSupport.Inspector inspector = new RedisTestSupport.Inspector(redis.port())) {
			inspector.redis().flushall();
		}
	}

	@AfterEach
	void stopThreads() {
		this.threads.shutdownNow();
	}

	@Test
	void twoInstancesHammeredTogetherNeverHaveMoreCallsInFlightThanTheCap() {
		ApplicationContextRunner runner = runner("fleet-hammer");
		runner.run((first) -> runner.run((second) -> {
			LlmGuardEngine[] engines = { engine(first), engine(second) };
			AtomicInteger done = new AtomicInteger();
			RedisTestSupport.hammer(16, 6, (thread, i) -> {
				engines[thread % 2].execute(waiting(Duration.ofMinutes(5)), (context) -> {
					enter();
					try {
						// hold the slot a little, so that calls overlap
						for (int spin = 0; spin < 20_000; spin++) {
							Thread.onSpinWait();
						}
						Thread.yield();
						return done.incrementAndGet();
					}
					finally {
						this.inFlight.decrementAndGet();
					}
				}, FallbackResponseMapper.none());
			});
			assertThat(done.get()).isEqualTo(16 * 6);
			assertThat(this.mostInFlight.get()).isBetween(1, CAP);
			assertThat(slotsHeld()).isZero();
			assertThat(engines[0].limiters().snapshot("openai").inUse()).isZero();
		}));
	}

	@Test
	void slotsOfAKilledInstanceComeBackAfterTheLeaseAndTheCapHoldsMeanwhile() {
		ApplicationContextRunner runner = runner("fleet-kill");
		runner.run((doomed) -> runner.run((survivor) -> {
			LlmGuardEngine dying = engine(doomed);
			LlmGuardEngine living = engine(survivor);
			// the survivor holds one slot through the whole story, renewing it as it should
			CountDownLatch survivorGoes = new CountDownLatch(1);
			List<CompletableFuture<Object>> survivorCalls = new ArrayList<>();
			survivorCalls.add(hold(living, survivorGoes));
			// the doomed instance takes the other two slots
			CountDownLatch doomedGoes = new CountDownLatch(1);
			List<CompletableFuture<Object>> doomedCalls = List.of(hold(dying, doomedGoes), hold(dying, doomedGoes));
			awaitEntered(3, CAP);
			assertThat(living.limiters().snapshot("openai").inUse()).isEqualTo(CAP);
			assertRefused(living);
			assertRefused(dying);

			// killed while holding its slots: it renews nothing and frees nothing any more
			doomed.getBean(RedisGuardBackend.class).close();
			doomedGoes.countDown();
			for (CompletableFuture<Object> call : doomedCalls) {
				call.get(30, TimeUnit.SECONDS);
			}
			assertThat(slotsHeld()).isEqualTo(CAP);
			assertRefused(living);

			// three quarters of a lease: the survivor renews its own slot, the dead one's are not renewed
			this.clock.advance(LEASE.multipliedBy(3).dividedBy(4));
			slots(survivor).renewLeases().get(30, TimeUnit.SECONDS);
			assertRefused(living);

			// the dead instance's leases have ended, the survivor's renewed one has not
			this.clock.advance(LEASE.dividedBy(2));
			CountDownLatch secondWave = new CountDownLatch(1);
			survivorCalls.add(hold(living, secondWave));
			survivorCalls.add(hold(living, secondWave));
			awaitEntered(2, CAP);
			assertRefused(living);
			assertThat(this.mostInFlight.get()).isEqualTo(CAP);

			survivorGoes.countDown();
			secondWave.countDown();
			for (CompletableFuture<Object> call : survivorCalls) {
				call.get(30, TimeUnit.SECONDS);
			}
			assertThat(slotsHeld()).isZero();
			assertThat(slots(survivor).held()).isZero();
		}));
	}

	private ApplicationContextRunner runner(String prefix) {
		ProviderSpec openai = RedisTestSupport.openai(RedisTestSupport.limits(null, null),
				RedisTestSupport.model(GPT_4O, null));
		GuardSettings settings = GuardSettings.builder()
			.headroom(1.0)
			.provider(new ProviderSpec(openai.name(), null, openai.limits(), CAP, Duration.ZERO, openai.models()))
			.build();
		return GuardInstances.runner(redis.port(), prefix, "fail-closed", settings, this.clock)
			.withPropertyValues("llm.guard.redis.concurrency-lease=" + LEASE.toSeconds() + "s");
	}

	private static LlmGuardEngine engine(ApplicationContext context) {
		return context.getBean(LlmGuardEngine.class);
	}

	private static RedisSharedSlots slots(ApplicationContext context) {
		return context.getBean(RedisBucketStore.class).slotsOf(SLOTS);
	}

	/** Starts a call that holds its slot until the latch opens. */
	private CompletableFuture<Object> hold(LlmGuardEngine engine, CountDownLatch go) {
		return CompletableFuture.supplyAsync(() -> {
			try {
				return engine.execute(waiting(Duration.ZERO), (context) -> {
					enter();
					try {
						go.await();
						return "done";
					}
					finally {
						this.inFlight.decrementAndGet();
					}
				}, FallbackResponseMapper.none());
			}
			catch (Throwable ex) {
				throw new IllegalStateException(ex);
			}
		}, this.threads);
	}

	private void enter() {
		int now = this.inFlight.incrementAndGet();
		this.mostInFlight.accumulateAndGet(now, Math::max);
		this.entered.release();
	}

	/** Waits until the calls just started have entered the provider (their threads start, no guard time passes). */
	private void awaitEntered(int calls, int inFlight) throws InterruptedException {
		assertThat(this.entered.tryAcquire(calls, 30, TimeUnit.SECONDS)).isTrue();
		assertThat(this.inFlight.get()).isEqualTo(inFlight);
	}

	private void assertRefused(LlmGuardEngine engine) {
		assertThatExceptionOfType(RateLimitExceededException.class)
			.isThrownBy(() -> engine.execute(waiting(Duration.ZERO), (context) -> "sent", FallbackResponseMapper.none()))
			.withMessageContaining("max-concurrent " + CAP)
			.withMessageContaining("across the fleet");
	}

	private long slotsHeld() {
		try (RedisTestSupport.Inspector inspector = new RedisTestSupport.Inspector(redis.port())) {
			List<String> keys = inspector.keys("*:slots:*");
			return keys.isEmpty() ? 0 : inspector.redis().zcard(keys.get(0));
		}
	}

	private static CallRequest waiting(Duration maxWait) {
		return CallRequest.builder()
			.model(GPT_4O)
			.priority(1)
			.estimatedInputTokens(10L)
			.maxOutputTokens(90)
			.maxWait(maxWait)
			.build();
	}

}

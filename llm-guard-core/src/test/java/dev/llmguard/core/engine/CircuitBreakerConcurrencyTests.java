package dev.llmguard.core.engine;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import dev.llmguard.core.CallRequest;
import dev.llmguard.core.RateLimitExceededException;
import dev.llmguard.core.breaker.BreakerPass;
import dev.llmguard.core.breaker.BreakerState;
import dev.llmguard.core.breaker.InMemoryBreakerStore;
import dev.llmguard.core.config.BreakerPolicy;
import dev.llmguard.core.config.BreakerSettings;
import dev.llmguard.core.config.RetrySettings;
import dev.llmguard.core.retry.ProviderResponseException;
import dev.llmguard.core.time.ManualGuardClock;

import static dev.llmguard.core.engine.EngineFixtures.GPT_4O;
import static dev.llmguard.core.engine.EngineFixtures.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/** A half-open breaker lets exactly one probe through, however many threads ask at once. */
class CircuitBreakerConcurrencyTests {

	private static final int THREADS = 32;

	private static final int ROUNDS = 20;

	private static final BreakerPolicy POLICY = new BreakerPolicy(true, 3, Duration.ofSeconds(60),
			Duration.ofSeconds(30), Duration.ofMinutes(2));

	@Test
	void onlyOneHalfOpenProbeReachesTheProviderWhenThirtyTwoThreadsCallAtOnce() throws Exception {
		EngineFixtures.Guard guard = EngineFixtures.guard((s) -> {
			s.retry = new RetrySettings(1, Duration.ZERO, 2.0, Duration.ZERO, Duration.ZERO);
			s.breaker = BreakerSettings.of(POLICY);
		});
		CallRequest request = CallRequest.builder().model(GPT_4O).prompt("Hello").build();
		ExecutorService pool = Executors.newFixedThreadPool(THREADS);
		try {
			for (int round = 0; round < ROUNDS; round++) {
				for (int i = 0; i < 3; i++) {
					assertThatExceptionOfType(ProviderResponseException.class).isThrownBy(() -> guard.engine
						.execute(request, (context) -> { throw status(503); }, text -> text));
				}
				assertThat(guard.engine.breakers().state(GPT_4O).state()).isEqualTo(BreakerState.State.OPEN);
				guard.clock.advance(Duration.ofSeconds(30));

				AtomicInteger probes = new AtomicInteger();
				AtomicInteger refused = new AtomicInteger();
				CountDownLatch othersDone = new CountDownLatch(THREADS - 1);
				CountDownLatch go = new CountDownLatch(1);
				List<Future<?>> futures = new ArrayList<>();
				for (int t = 0; t < THREADS; t++) {
					futures.add(pool.submit(() -> {
						go.await();
						try {
							guard.engine.execute(request, (context) -> {
								probes.incrementAndGet();
								// the probe stays out until every other thread has asked
								othersDone.await(10, TimeUnit.SECONDS);
								return "ok";
							}, text -> text);
						}
						catch (RateLimitExceededException ex) {
							refused.incrementAndGet();
							othersDone.countDown();
						}
						catch (Throwable ex) {
							throw new IllegalStateException(ex);
						}
						return null;
					}));
				}
				go.countDown();
				for (Future<?> future : futures) {
					future.get(30, TimeUnit.SECONDS);
				}

				assertThat(probes).as("probes in round %d", round).hasValue(1);
				assertThat(refused).as("refused in round %d", round).hasValue(THREADS - 1);
				assertThat(guard.engine.breakers().state(GPT_4O)).isEqualTo(BreakerState.CLOSED);
				guard.assertNothingHeld();
			}
		}
		finally {
			pool.shutdownNow();
		}
	}

	@Test
	void storeHandsOutOneProbeTokenPerOpenTimeAmongRacingThreads() throws Exception {
		ManualGuardClock clock = new ManualGuardClock();
		InMemoryBreakerStore store = new InMemoryBreakerStore(clock);
		ExecutorService pool = Executors.newFixedThreadPool(THREADS);
		try {
			for (int round = 0; round < 200; round++) {
				for (int i = 0; i < 3; i++) {
					store.failed(GPT_4O, POLICY, Duration.ofSeconds(30));
				}
				clock.advance(Duration.ofSeconds(30));
				CountDownLatch go = new CountDownLatch(1);
				List<Future<BreakerPass>> passes = new ArrayList<>();
				for (int t = 0; t < THREADS; t++) {
					passes.add(pool.submit(() -> {
						go.await();
						return store.pass(GPT_4O);
					}));
				}
				go.countDown();
				List<BreakerPass> answers = new ArrayList<>();
				for (Future<BreakerPass> pass : passes) {
					answers.add(pass.get(10, TimeUnit.SECONDS));
				}

				assertThat(answers).filteredOn((pass) -> pass.kind() == BreakerPass.Kind.PROBE).hasSize(1);
				assertThat(answers).filteredOn((pass) -> pass.kind() == BreakerPass.Kind.PROBING)
					.hasSize(THREADS - 1);
				long token = answers.stream().filter(BreakerPass::admitted).findFirst().orElseThrow().token();
				assertThat(store.probeSucceeded(GPT_4O, token)).isTrue();
			}
		}
		finally {
			pool.shutdownNow();
		}
	}

}

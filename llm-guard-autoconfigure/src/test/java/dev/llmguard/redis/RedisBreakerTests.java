package dev.llmguard.redis;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationContext;

import dev.llmguard.core.CallRequest;
import dev.llmguard.core.FallbackResponseMapper;
import dev.llmguard.core.LlmGuardEngine;
import dev.llmguard.core.RateLimitExceededException;
import dev.llmguard.core.breaker.BreakerState;
import dev.llmguard.core.config.BreakerPolicy;
import dev.llmguard.core.config.BreakerSettings;
import dev.llmguard.core.config.GuardSettings;
import dev.llmguard.core.config.RetrySettings;
import dev.llmguard.core.retry.ProviderResponseException;
import dev.llmguard.core.time.ManualGuardClock;
import dev.llmguard.test.redis.RedisServerExtension;

import static dev.llmguard.redis.RedisTestSupport.GPT_4O;
import static dev.llmguard.redis.RedisTestSupport.START;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Two application instances share their models' circuit breakers through one Redis: failures either
 * sees count together, a model one opened is skipped by both, and across both exactly one call
 * probes a half-open model. Three failures within a minute open gpt-4o for 30 s (no chain), at most 2 min.
 * An instance that knew the breaker closed sees it opened once the message of the change arrived, which
 * the tests wait for.
 */
class RedisBreakerTests {

	@RegisterExtension
	static final RedisServerExtension redis = new RedisServerExtension();

	private static final String PREFIX = "shared-breaker";

	private final ManualGuardClock clock = new ManualGuardClock(START);

	private final ApplicationContextRunner runner = GuardInstances.runner(redis.port(), PREFIX, "fail-closed",
			breakerSettings(), this.clock);

	private static final CallRequest REQUEST = CallRequest.builder().model(GPT_4O).estimatedInputTokens(10L).build();

	static GuardSettings breakerSettings() {
		return GuardSettings.builder()
			.headroom(1.0)
			.retry(new RetrySettings(1, Duration.ZERO, 2.0, Duration.ZERO, Duration.ZERO))
			.provider(RedisTestSupport.openai(RedisTestSupport.limits(100_000L, null),
					RedisTestSupport.model(GPT_4O, null)))
			.breaker(BreakerSettings.of(new BreakerPolicy(true, 3, Duration.ofSeconds(60), Duration.ofSeconds(30),
					Duration.ofMinutes(2))))
			.build();
	}

	@BeforeEach
	void flush() {
		try (RedisTestSupport.Inspector inspector = new RedisTestSupport.Inspector(redis.port())) {
			inspector.redis().flushall();
		}
	}

	private static void fail(LlmGuardEngine engine) {
		assertThatExceptionOfType(ProviderResponseException.class).isThrownBy(() -> engine.execute(REQUEST,
				(context) -> {
					throw new ProviderResponseException(503, null, null, "unavailable");
				}, FallbackResponseMapper.none()));
	}

	/** Waits until the instance forgot gpt-4o's breaker closed: another instance's message about it arrived. */
	private static void heardOf(ApplicationContext context) throws InterruptedException {
		ChangeWatch watch = context.getBean(RedisBreakerStore.class).watch();
		assertThat(watch.await(() -> !watch.isClosed(GPT_4O), Duration.ofSeconds(10))).isTrue();
	}

	@Test
	void anInstanceThatKnewTheBreakerClosedSkipsTheModelOnceItHeardAnotherOpenedIt() {
		anInstanceThatKnewTheBreakerClosedSkipsTheModelOnceItHeardAnotherOpenedIt(this.runner);
	}

	/** Also run on a Redis Cluster ({@link RedisClusterTests}), where the message crosses the cluster bus. */
	static void anInstanceThatKnewTheBreakerClosedSkipsTheModelOnceItHeardAnotherOpenedIt(
			ApplicationContextRunner runner) {
		runner.run((first) -> runner.run((second) -> {
			LlmGuardEngine a = first.getBean(LlmGuardEngine.class);
			LlmGuardEngine b = second.getBean(LlmGuardEngine.class);
			ChangeWatch watch = second.getBean(RedisBreakerStore.class).watch();
			assertThat(b.<String>execute(REQUEST, (context) -> "ok", FallbackResponseMapper.none())).isEqualTo("ok");
			assertThat(watch.await(watch::isLive, Duration.ofSeconds(10))).isTrue();
			assertThat(b.<String>execute(REQUEST, (context) -> "ok", FallbackResponseMapper.none())).isEqualTo("ok");
			assertThat(watch.isClosed(GPT_4O)).isTrue();

			for (int i = 0; i < 3; i++) {
				fail(a);
			}
			heardOf(second);

			AtomicInteger asked = new AtomicInteger();
			assertThatExceptionOfType(RateLimitExceededException.class).isThrownBy(
					() -> b.execute(REQUEST, (context) -> asked.incrementAndGet(), FallbackResponseMapper.none()));
			assertThat(asked).hasValue(0);
		}));
	}

	@Test
	void failuresOnBothInstancesCountTogetherAndTheOpenModelIsSkippedByBoth() {
		this.runner.run((first) -> this.runner.run((second) -> {
			LlmGuardEngine a = first.getBean(LlmGuardEngine.class);
			LlmGuardEngine b = second.getBean(LlmGuardEngine.class);
			fail(a);
			fail(b);
			assertThat(a.breakers().state(GPT_4O)).isEqualTo(new BreakerState(BreakerState.State.CLOSED, null, null, 2));
			fail(a);
			heardOf(second);

			AtomicInteger asked = new AtomicInteger();
			this.clock.advance(Duration.ofSeconds(10));
			assertThatExceptionOfType(RateLimitExceededException.class)
				.isThrownBy(() -> b.execute(REQUEST, (context) -> asked.incrementAndGet(),
						FallbackResponseMapper.none()))
				.satisfies((ex) -> assertThat(ex.getRetryAfter()).isEqualTo(Duration.ofSeconds(20)));
			assertThat(asked).hasValue(0);
			assertThat(b.breakers().state(GPT_4O))
				.isEqualTo(new BreakerState(BreakerState.State.OPEN, START.plusSeconds(30), Duration.ofSeconds(30), 0));
			try (RedisTestSupport.Inspector inspector = new RedisTestSupport.Inspector(redis.port())) {
				assertThat(inspector.redis().hget(PREFIX + ":breaker:openai/gpt-4o", "u"))
					.isEqualTo(Long.toString(START.plusSeconds(30).toEpochMilli()));
			}
		}));
	}

	@Test
	void aProbeFailingOnOneInstanceDoublesTheOpenTimeForBoth() {
		this.runner.run((first) -> this.runner.run((second) -> {
			LlmGuardEngine a = first.getBean(LlmGuardEngine.class);
			LlmGuardEngine b = second.getBean(LlmGuardEngine.class);
			for (int i = 0; i < 3; i++) {
				fail(a);
			}
			this.clock.advance(Duration.ofSeconds(30));
			assertThat(b.breakers().state(GPT_4O).state()).isEqualTo(BreakerState.State.HALF_OPEN);

			fail(b);

			assertThat(a.breakers().state(GPT_4O)).isEqualTo(
					new BreakerState(BreakerState.State.OPEN, START.plusSeconds(90), Duration.ofSeconds(60), 0));
			// an instance failing again while open never shortens it, whatever its call's cooldown
			this.clock.advance(Duration.ofSeconds(20));
			a.breakers().failed(GPT_4O, Duration.ofSeconds(5), "transient", (event) -> {
			});
			assertThat(b.breakers().state(GPT_4O)).isEqualTo(
					new BreakerState(BreakerState.State.OPEN, START.plusSeconds(110), Duration.ofSeconds(60), 0));
		}));
	}

	@Test
	void exactlyOneProbeAcrossTwoInstancesWhenThirtyTwoThreadsCallAtOnce() {
		this.runner.run((first) -> this.runner.run((second) -> {
			LlmGuardEngine[] engines = { first.getBean(LlmGuardEngine.class), second.getBean(LlmGuardEngine.class) };
			for (int round = 0; round < 5; round++) {
				for (int i = 0; i < 3; i++) {
					fail(engines[i % 2]);
				}
				heardOf(first);
				heardOf(second);
				this.clock.advance(Duration.ofSeconds(30));
				AtomicInteger probes = new AtomicInteger();
				AtomicInteger refused = new AtomicInteger();
				CountDownLatch othersDone = new CountDownLatch(31);
				RedisTestSupport.hammer(32, 1, (thread, i) -> {
					try {
						engines[thread % 2].execute(REQUEST, (context) -> {
							probes.incrementAndGet();
							// the probe stays out until every other thread has asked
							othersDone.await(10, TimeUnit.SECONDS);
							return "ok";
						}, FallbackResponseMapper.none());
					}
					catch (RateLimitExceededException ex) {
						refused.incrementAndGet();
						othersDone.countDown();
					}
				});

				assertThat(probes).as("probes in round %d", round).hasValue(1);
				assertThat(refused).as("refused in round %d", round).hasValue(31);
				assertThat(engines[0].breakers().state(GPT_4O)).isEqualTo(BreakerState.CLOSED);
				assertThat(engines[1].breakers().state(GPT_4O)).isEqualTo(BreakerState.CLOSED);
			}
		}));
	}

}

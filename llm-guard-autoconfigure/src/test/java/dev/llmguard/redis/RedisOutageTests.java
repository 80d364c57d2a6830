package dev.llmguard.redis;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import io.lettuce.core.AclSetuserArgs;

import dev.llmguard.core.CallRequest;
import dev.llmguard.core.FallbackResponseMapper;
import dev.llmguard.core.LlmGuardEngine;
import dev.llmguard.core.config.BudgetPeriod;
import dev.llmguard.core.config.BudgetScope;
import dev.llmguard.core.config.GuardSettings;
import dev.llmguard.core.config.ProviderSpec;
import dev.llmguard.core.event.GuardEvent;
import dev.llmguard.core.event.GuardListener;
import dev.llmguard.core.time.ManualGuardClock;
import dev.llmguard.test.redis.RedisServerExtension;

import static dev.llmguard.redis.RedisTestSupport.GPT_4O;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/** redis-server is stopped and started again while the guard runs, in both failure modes. */
class RedisOutageTests {

	@RegisterExtension
	static final RedisServerExtension redis = new RedisServerExtension();

	private final ManualGuardClock clock = new ManualGuardClock(RedisTestSupport.START);

	private final List<GuardEvent> events = new CopyOnWriteArrayList<>();

	private final GuardSettings settings = GuardSettings.builder()
		.headroom(1.0)
		.provider(RedisTestSupport.openai(RedisTestSupport.limits(1_000L, null), RedisTestSupport.model(GPT_4O, null)))
		.budget(RedisTestSupport.tokenBudget("daily-tokens", BudgetScope.GLOBAL, BudgetPeriod.DAY, 1_000_000))
		.build();

	@AfterEach
	void redisIsBack() throws Exception {
		redis.start();
	}

	private ApplicationContextRunner runner(String prefix, String onFailure) {
		return GuardInstances.runner(redis.port(), prefix, onFailure, this.settings, this.clock)
			.withBean(GuardListener.class, (Supplier<GuardListener>) () -> this.events::add);
	}

	@Test
	void failOpenAdmitsCallsWhileRedisIsDownAndSharesLimitsAgainWhenItIsBack() {
		runner("outage-open", "fail-open").run((context) -> {
			LlmGuardEngine engine = context.getBean(LlmGuardEngine.class);
			RedisGuardBackend backend = context.getBean(RedisGuardBackend.class);
			assertThat(call(engine)).isEqualTo("answer");
			assertThat(engine.budgets().usage("daily-tokens", null).spentTokens()).isEqualTo(100);
			long lettuceThreads = lettuceThreads();

			redis.stop();
			for (int i = 0; i < 20; i++) {
				assertThat(call(engine)).isEqualTo("answer");
			}
			assertThat(backend.isAvailable()).isFalse();
			assertThat(backend.probe()).isFalse();
			assertThat(backend.failures()).isPositive();
			assertThat(this.events).filteredOn(GuardEvent.BackendFailed.class::isInstance)
				.singleElement()
				.satisfies((event) -> assertThat(((GuardEvent.BackendFailed) event).mode()).isEqualTo("fail-open"));

			redis.start();
			RedisTestSupport.eventually(backend::probe, "the guard reaches Redis again");
			assertThat(call(engine)).isEqualTo("answer");
			// the restarted server kept nothing: the call after the outage is counted there again
			assertThat(engine.budgets().usage("daily-tokens", null).spentTokens()).isEqualTo(100);
			assertThat(backend.isAvailable()).isTrue();
			assertThat(backend.outages()).isEqualTo(1);
			assertNoLeaks(lettuceThreads);
		});
	}

	@Test
	void failClosedRejectsCallsWhileRedisIsDownAndAdmitsThemAgainWhenItIsBack() {
		runner("outage-closed", "fail-closed").run((context) -> {
			LlmGuardEngine engine = context.getBean(LlmGuardEngine.class);
			RedisGuardBackend backend = context.getBean(RedisGuardBackend.class);
			assertThat(call(engine)).isEqualTo("answer");
			long lettuceThreads = lettuceThreads();

			redis.stop();
			for (int i = 0; i < 20; i++) {
				assertThatExceptionOfType(GuardBackendUnavailableException.class).isThrownBy(() -> call(engine))
					.satisfies((ex) -> {
						assertThat(ex.code()).isEqualTo("backend_unavailable");
						assertThat(ex.getMessage()).contains("Redis is unreachable", "fail-closed");
					});
			}
			assertThat(backend.isAvailable()).isFalse();
			assertThat(this.events).filteredOn(GuardEvent.BackendFailed.class::isInstance).hasSize(1);

			redis.start();
			RedisTestSupport.eventually(backend::probe, "the guard reaches Redis again");
			assertThat(call(engine)).isEqualTo("answer");
			assertThat(engine.budgets().usage("daily-tokens", null)).satisfies((usage) -> {
				assertThat(usage.spentTokens()).isEqualTo(100);
				assertThat(usage.reservedTokens()).isZero();
			});
			assertNoLeaks(lettuceThreads);
		});
	}

	@Test
	void aRateLimitStepThatFailsClosedGivesItsConcurrencySlotBack() {
		GuardSettings capped = GuardSettings.builder()
			.headroom(1.0)
			.provider(new ProviderSpec("openai", null, RedisTestSupport.limits(1_000L, null), 2, Duration.ZERO,
					Map.of(GPT_4O.model(), RedisTestSupport.model(GPT_4O, null))))
			.build();
		GuardInstances.runner(redis.port(), "outage-slot", "fail-closed", capped, this.clock).run((context) -> {
			LlmGuardEngine engine = context.getBean(LlmGuardEngine.class);
			RedisGuardBackend backend = context.getBean(RedisGuardBackend.class);
			assertThat(call(engine)).isEqualTo("answer");

			redis.stop();
			for (int i = 0; i < 3; i++) {
				assertThatExceptionOfType(GuardBackendUnavailableException.class).isThrownBy(() -> call(engine));
			}
			assertThat(engine.limiters().snapshot("openai").inUse()).isZero();

			redis.start();
			RedisTestSupport.eventually(backend::probe, "the guard reaches Redis again");
			// max-concurrent 2 keeps 1 slot for urgent calls: a slot lost in the outage would refuse this call
			assertThat(call(engine)).isEqualTo("answer");
			assertThat(engine.limiters().snapshot("openai").inUse()).isZero();
		});
	}

	@Test
	void aTakeThatFailsOnOneBucketGivesBackWhatTheOtherBucketsGave() throws Exception {
		GuardSettings twoBuckets = GuardSettings.builder()
			.headroom(1.0)
			.provider(RedisTestSupport.openai(RedisTestSupport.limits(4L, null),
					RedisTestSupport.model(GPT_4O, RedisTestSupport.limits(4L, null))))
			.build();
		try (RedisTestSupport.Inspector inspector = new RedisTestSupport.Inspector(redis.port())) {
			inspector.redis()
				.aclSetuser("guard", AclSetuserArgs.Builder.on().addPassword("guard-secret").allKeys().allCommands());
			GuardInstances.runner(redis.port(), "outage-acl", "fail-closed", twoBuckets, this.clock)
				.withPropertyValues("spring.data.redis.username=guard", "spring.data.redis.password=guard-secret")
				.run((context) -> {
					LlmGuardEngine engine = context.getBean(LlmGuardEngine.class);
					RedisGuardBackend backend = context.getBean(RedisGuardBackend.class);
					assertThat(call(engine)).isEqualTo("answer");
					List<String> buckets = inspector.keys("outage-acl:bucket:*").stream().sorted().toList();
					assertThat(buckets).hasSize(2);

					// the guard may touch one bucket only: every take of the other one fails
					inspector.redis()
						.aclSetuser("guard", AclSetuserArgs.Builder.resetKeys().keyPattern(buckets.get(0)));
					for (int i = 0; i < 3; i++) {
						RedisTestSupport.eventually(backend::probe, "the guard may ask Redis again");
						assertThatExceptionOfType(GuardBackendUnavailableException.class)
							.isThrownBy(() -> call(engine));
					}

					inspector.redis().aclSetuser("guard", AclSetuserArgs.Builder.allKeys());
					RedisTestSupport.eventually(backend::probe, "the guard reaches Redis again");
					// 4 requests a minute, 1 used, 1 kept for urgent calls: a request kept by a failed take
					// would refuse one of these two
					for (int i = 0; i < 2; i++) {
						assertThat(call(engine)).isEqualTo("answer");
					}
				});
		}
	}

	private static String call(LlmGuardEngine engine) {
		try {
			return engine.execute(CallRequest.builder()
				.model(GPT_4O)
				.estimatedInputTokens(10L)
				.maxOutputTokens(90)
				.maxWait(Duration.ZERO)
				.build(), (context) -> {
					context.recordUsage(10, 90);
					return "answer";
				}, FallbackResponseMapper.none());
		}
		catch (RuntimeException ex) {
			throw ex;
		}
		catch (Throwable ex) {
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * One connection of the guard (Lettuce reconnects it), and no thread beyond the application's
	 * Lettuce client resources: its I/O and computation pools (each at most max(2, processors) threads,
	 * started lazily, here by the reconnect) and its timer. The guard starts none of its own.
	 */
	private static void assertNoLeaks(long lettuceThreadsBefore) throws InterruptedException {
		try (RedisTestSupport.Inspector inspector = new RedisTestSupport.Inspector(redis.port())) {
			long connections = inspector.redis().clientList().lines().filter((line) -> !line.isBlank()).count();
			// the guard's connection and the inspector's; the application's own factory connection may be open too
			assertThat(connections).isLessThanOrEqualTo(3);
		}
		int pool = Math.max(2, Runtime.getRuntime().availableProcessors());
		long bound = Math.max(lettuceThreadsBefore, 2L * pool + 1);
		// the inspector's own client has just shut down: its threads may still be finishing
		RedisTestSupport.eventually(() -> lettuceThreads() <= bound, "at most " + bound + " Lettuce threads are left");
	}

	@Test
	void healthIsDownWhileRedisDoesNotAnswerAndUpAgainAfterwards() {
		runner("outage-health", "fail-open")
			.withConfiguration(org.springframework.boot.autoconfigure.AutoConfigurations
				.of(dev.llmguard.autoconfigure.LlmGuardHealthContributorAutoConfiguration.class))
			.run((context) -> {
				var health = context.getBean(dev.llmguard.actuate.LlmGuardHealthIndicator.class);
				assertThat(health.health(true).getStatus())
					.isEqualTo(org.springframework.boot.health.contributor.Status.UP);
				assertThat(health.health(true).getDetails()).containsEntry("backend", "redis");

				redis.stop();
				assertThat(health.health(true).getStatus())
					.isEqualTo(org.springframework.boot.health.contributor.Status.DOWN);

				redis.start();
				RedisTestSupport.eventually(() -> health.health(true).getStatus()
					.equals(org.springframework.boot.health.contributor.Status.UP), "health is UP again");
			});
	}

	private static long lettuceThreads() {
		return Thread.getAllStackTraces().keySet().stream().filter((t) -> t.getName().startsWith("lettuce")).count();
	}

}

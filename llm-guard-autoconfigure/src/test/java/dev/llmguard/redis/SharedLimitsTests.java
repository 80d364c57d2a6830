package dev.llmguard.redis;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToLongFunction;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.llmguard.core.BudgetExceededException;
import dev.llmguard.core.CallRequest;
import dev.llmguard.core.FallbackResponseMapper;
import dev.llmguard.core.LlmGuardEngine;
import dev.llmguard.core.RateLimitExceededException;
import dev.llmguard.core.budget.BudgetUsage;
import dev.llmguard.core.config.BudgetPeriod;
import dev.llmguard.core.config.BudgetScope;
import dev.llmguard.core.config.GuardSettings;
import dev.llmguard.core.time.ManualGuardClock;
import dev.llmguard.test.redis.RedisServerExtension;

import static dev.llmguard.redis.RedisTestSupport.GPT_4O;
import static org.assertj.core.api.Assertions.assertThat;

/** Two application instances share one Redis: together they never pass a shared limit or budget. */
class SharedLimitsTests {

	@RegisterExtension
	static final RedisServerExtension redis = new RedisServerExtension();

	private final ManualGuardClock clock = new ManualGuardClock(RedisTestSupport.START);

	@BeforeEach
	void flush() {
		try (RedisTestSupport.Inspector inspector = new RedisTestSupport.Inspector(redis.port())) {
			inspector.redis().flushall();
		}
	}

	@Test
	void twoInstancesHammeredFrom32ThreadsNeverPassTheSharedRequestLimit() {
		neverPassTheSharedRequestLimit(GuardInstances.runner(redis.port(), "shared-rate", "fail-closed",
				sharedRateSettings(), this.clock));
	}

	/** 50 requests per minute, the clock stands still: exactly 50 urgent calls can pass, whoever makes them. */
	static GuardSettings sharedRateSettings() {
		return GuardSettings.builder()
			.headroom(1.0)
			.provider(RedisTestSupport.openai(RedisTestSupport.limits(50L, 1_000_000L),
					RedisTestSupport.model(GPT_4O, RedisTestSupport.limits(null, 500_000L))))
			.build();
	}

	/** Two application contexts of {@code runner}, hammered from 32 threads, against one shared limit. */
	static void neverPassTheSharedRequestLimit(ApplicationContextRunner runner) {
		runner.run((first) -> runner.run((second) -> {
			LlmGuardEngine[] engines = { first.getBean(LlmGuardEngine.class), second.getBean(LlmGuardEngine.class) };
			AtomicInteger admitted = new AtomicInteger();
			AtomicInteger refused = new AtomicInteger();
			RedisTestSupport.hammer(32, 8, (thread, i) -> {
				try {
					engines[thread % 2].execute(request(null).toBuilder().priority(1).build(), (context) -> {
						context.recordUsage(10, 20);
						return admitted.incrementAndGet();
					}, FallbackResponseMapper.none());
				}
				catch (RateLimitExceededException ex) {
					refused.incrementAndGet();
				}
			});
			assertThat(admitted.get()).isEqualTo(50);
			assertThat(refused.get()).isEqualTo(32 * 8 - 50);
			assertThat(engines[0].limiters().snapshot("openai").limits().get("requests-per-minute").available())
				.isZero();
			// every call gave back the tokens it did not use: 50 calls x 30 tokens are all that is gone
			assertThat(engines[1].limiters().snapshot("openai").limits().get("tokens-per-minute").available())
				.isEqualTo(1_000_000 - 50 * 30);
		}));
	}

	@Test
	void twoInstancesHammeredFrom32ThreadsNeverOverspendTheGlobalBudget() {
		neverOverspendTheGlobalBudget(GuardInstances.runner(redis.port(), "shared-budget", "fail-closed",
				sharedBudgetSettings(), this.clock), (key) -> {
					try (RedisTestSupport.Inspector inspector = new RedisTestSupport.Inspector(redis.port())) {
						return inspector.redis().zcard(key);
					}
				});
	}

	/** Each call reserves 10 + 90 = 100 tokens; 5,000 tokens a day: at most 50 calls in flight or spent. */
	static GuardSettings sharedBudgetSettings() {
		return GuardSettings.builder()
			.headroom(1.0)
			.provider(RedisTestSupport.openai(RedisTestSupport.limits(100_000L, null),
					RedisTestSupport.model(GPT_4O, null)))
			.budget(RedisTestSupport.tokenBudget("daily-tokens", BudgetScope.GLOBAL, BudgetPeriod.DAY, 5_000))
			.build();
	}

	/**
	 * Two application contexts of {@code runner} (key prefix {@code shared-budget}), hammered from 32
	 * threads, against one shared budget; {@code zcard} counts a sorted set's members in Redis.
	 */
	static void neverOverspendTheGlobalBudget(ApplicationContextRunner runner, ToLongFunction<String> zcard) {
		runner.run((first) -> runner.run((second) -> {
			LlmGuardEngine[] engines = { first.getBean(LlmGuardEngine.class), second.getBean(LlmGuardEngine.class) };
			AtomicInteger admitted = new AtomicInteger();
			AtomicInteger refused = new AtomicInteger();
			RedisTestSupport.hammer(32, 8, (thread, i) -> {
				try {
					engines[thread % 2].execute(request(null), (context) -> {
						if (i % 4 == 3) {
							throw new IllegalArgumentException("the provider refused the request");
						}
						context.recordUsage(10, 90);
						return admitted.incrementAndGet();
					}, FallbackResponseMapper.none());
				}
				catch (BudgetExceededException ex) {
					refused.incrementAndGet();
				}
				catch (IllegalArgumentException ex) {
					// failed calls release their reservation
				}
			});
			BudgetUsage usage = engines[0].budgets().usage("daily-tokens", null);
			assertThat(usage.spentTokens()).isEqualTo(admitted.get() * 100L).isLessThanOrEqualTo(5_000);
			assertThat(admitted.get()).isEqualTo(50);
			assertThat(usage.reservedTokens()).isZero();
			assertThat(engines[1].budgets().usage("daily-tokens", null)).isEqualTo(usage);
			assertThat(refused.get()).isPositive();
			assertThat(zcard.applyAsLong("shared-budget:{shared-budget}:rsv-open")).isZero();
		}));
	}

	@Test
	void limitsAndBudgetsKeepWorkingWhenRedisForgetsItsScripts() {
		// every script goes by its digest; after SCRIPT FLUSH (or a restart) its text is sent once more
		GuardSettings settings = GuardSettings.builder()
			.headroom(1.0)
			.provider(RedisTestSupport.openai(RedisTestSupport.limits(50L, 1_000_000L),
					RedisTestSupport.model(GPT_4O, null)))
			.budget(RedisTestSupport.tokenBudget("daily-tokens", BudgetScope.GLOBAL, BudgetPeriod.DAY, 5_000))
			.build();
		ApplicationContextRunner runner = GuardInstances.runner(redis.port(), "flushed", "fail-closed", settings,
				this.clock);
		runner.run((context) -> {
			LlmGuardEngine engine = context.getBean(LlmGuardEngine.class);
			RedisGuardBackend backend = context.getBean(RedisGuardBackend.class);
			for (int i = 0; i < 3; i++) {
				try (RedisTestSupport.Inspector inspector = new RedisTestSupport.Inspector(redis.port())) {
					inspector.redis().scriptFlush();
				}
				engine.execute(request(null), (call) -> {
					call.recordUsage(10, 90);
					return "ok";
				}, FallbackResponseMapper.none());
			}
			assertThat(backend.failures()).isZero();
			assertThat(engine.budgets().usage("daily-tokens", null).spentTokens()).isEqualTo(300);
			assertThat(engine.limiters().snapshot("openai").limits().get("requests-per-minute").available())
				.isEqualTo(47);
		});
	}

	static CallRequest request(String tenant) {
		return CallRequest.builder()
			.model(GPT_4O)
			.tenant(tenant)
			.estimatedInputTokens(10L)
			.maxOutputTokens(90)
			.maxWait(Duration.ZERO)
			.build();
	}

}

package dev.llmguard.redis;

import java.util.function.Supplier;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.llmguard.autoconfigure.LlmGuardRedisAutoConfiguration;
import dev.llmguard.core.LlmGuardEngine;
import dev.llmguard.core.breaker.BreakerStore;
import dev.llmguard.core.budget.BudgetLedger;
import dev.llmguard.core.cache.AnswerCache;
import dev.llmguard.core.config.GuardSettings;
import dev.llmguard.core.limit.BucketStore;
import dev.llmguard.core.limit.CooldownStore;
import dev.llmguard.core.time.GuardClock;

/**
 * Application contexts as an application using llm-guard with {@code llm.guard.backend=redis} would
 * have them: Spring Boot's Redis auto-configuration, the guard's Redis auto-configuration, and an
 * engine built from the stores it provides (until the main auto-configuration builds it).
 */
final class GuardInstances {

	private GuardInstances() {
	}

	static ApplicationContextRunner runner(int port, String prefix, String onFailure, GuardSettings settings,
			GuardClock clock) {
		return new ApplicationContextRunner()
			.withConfiguration(
					AutoConfigurations.of(DataRedisAutoConfiguration.class, LlmGuardRedisAutoConfiguration.class))
			.withPropertyValues("spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + port,
					"spring.data.redis.timeout=" + RedisTestSupport.TIMEOUT.toMillis() + "ms", "llm.guard.backend=redis",
					"llm.guard.redis.key-prefix=" + prefix, "llm.guard.redis.on-failure=" + onFailure,
					"llm.guard.redis.timeout=" + RedisTestSupport.TIMEOUT.toMillis() + "ms",
					"llm.guard.redis.retry-interval=100ms")
			.withBean(GuardSettings.class, () -> settings)
			.withBean(GuardClock.class, (Supplier<GuardClock>) () -> clock)
			.withUserConfiguration(EngineConfiguration.class);
	}

	/** Like {@link #runner}, against a Redis Cluster ({@code spring.data.redis.cluster.nodes}). */
	static ApplicationContextRunner clusterRunner(String nodes, String prefix, String onFailure,
			GuardSettings settings, GuardClock clock) {
		return new ApplicationContextRunner()
			.withConfiguration(
					AutoConfigurations.of(DataRedisAutoConfiguration.class, LlmGuardRedisAutoConfiguration.class))
			.withPropertyValues("spring.data.redis.cluster.nodes=" + nodes,
					"spring.data.redis.timeout=" + RedisTestSupport.TIMEOUT.toMillis() + "ms", "llm.guard.backend=redis",
					"llm.guard.redis.key-prefix=" + prefix, "llm.guard.redis.on-failure=" + onFailure,
					"llm.guard.redis.timeout=" + RedisTestSupport.TIMEOUT.toMillis() + "ms",
					"llm.guard.redis.retry-interval=100ms")
			.withBean(GuardSettings.class, () -> settings)
			.withBean(GuardClock.class, (Supplier<GuardClock>) () -> clock)
			.withUserConfiguration(EngineConfiguration.class);
	}

	@Configuration(proxyBeanMethods = false)
	static class EngineConfiguration {

		@Bean(destroyMethod = "close")
		LlmGuardEngine llmGuardEngine(GuardSettings settings, GuardClock clock, BucketStore buckets,
				BudgetLedger ledger, CooldownStore cooldowns, AnswerCache answers, BreakerStore breakers) {
			return LlmGuardEngine.builder(settings)
				.clock(clock)
				.answerCache(answers)
				.bucketStore(buckets)
				.ledger(ledger)
				.cooldowns(cooldowns)
				.breakers(breakers)
				.build();
		}

	}

}

package dev.llmguard.autoconfigure;

import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import dev.llmguard.core.breaker.BreakerStore;
import dev.llmguard.core.budget.BudgetLedger;
import dev.llmguard.core.cache.AnswerCache;
import dev.llmguard.core.event.GuardListener;
import dev.llmguard.core.limit.BucketStore;
import dev.llmguard.core.limit.CooldownStore;
import dev.llmguard.core.time.GuardClock;
import dev.llmguard.redis.RedisAnswerCache;
import dev.llmguard.redis.RedisBreakerStore;
import dev.llmguard.redis.RedisBucketStore;
import dev.llmguard.redis.RedisBudgetLedger;
import dev.llmguard.redis.RedisCooldownStore;
import dev.llmguard.redis.RedisGuardBackend;

/**
 * The Redis backend ({@code llm.guard.backend=redis}): buckets, budget ledger, cooldowns, circuit
 * breakers and chains' cached last answers shared
 * by every instance, on the application's own Spring Data Redis (Lettuce) client, with the options
 * bound under {@code llm.guard.redis.*}. Runs before {@code LlmGuardAutoConfiguration}, which builds
 * the engine from these stores. Switched off by {@code llm.guard.enabled=false}.
 */
@AutoConfiguration(beforeName = "dev.llmguard.autoconfigure.LlmGuardAutoConfiguration",
		afterName = "org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration")
@ConditionalOnClass({ LettuceConnectionFactory.class, Bucket4jLettuce.class })
@ConditionalOnBooleanProperty(name = "llm.guard.enabled", matchIfMissing = true)
@ConditionalOnProperty(prefix = "llm.guard", name = "backend", havingValue = "redis")
@EnableConfigurationProperties(LlmGuardProperties.class)
public final class LlmGuardRedisAutoConfiguration {

	@Bean(destroyMethod = "close")
	@ConditionalOnMissingBean
	RedisGuardBackend llmGuardRedisBackend(LlmGuardProperties properties,
			ObjectProvider<LettuceConnectionFactory> connectionFactory, ObjectProvider<GuardClock> clock,
			ObjectProvider<GuardListener> listeners, ConfigurableListableBeanFactory beanFactory) {
		// created before the engine: say what is missing before asking for the connection
		LlmGuardConfigurationValidator.validateBackend(properties, beanFactory);
		LettuceConnectionFactory factory = connectionFactory.getObject();
		// listeners are looked up when an event happens: they may depend on the engine built from these stores
		GuardListener events = (event) -> listeners.orderedStream().forEach((listener) -> listener.onEvent(event));
		return new RedisGuardBackend(factory::getRequiredNativeClient, properties.getRedis().toOptions(),
				clock.getIfAvailable(GuardClock::system), events);
	}

	@Bean
	@ConditionalOnMissingBean(BucketStore.class)
	RedisBucketStore llmGuardRedisBucketStore(RedisGuardBackend backend) {
		return new RedisBucketStore(backend);
	}

	@Bean
	@ConditionalOnMissingBean(BudgetLedger.class)
	RedisBudgetLedger llmGuardRedisBudgetLedger(RedisGuardBackend backend, LlmGuardProperties properties) {
		return new RedisBudgetLedger(backend, properties.getZone());
	}

	@Bean
	@ConditionalOnMissingBean(CooldownStore.class)
	RedisCooldownStore llmGuardRedisCooldownStore(RedisGuardBackend backend) {
		return new RedisCooldownStore(backend);
	}

	@Bean
	@ConditionalOnMissingBean(AnswerCache.class)
	RedisAnswerCache llmGuardRedisAnswerCache(RedisGuardBackend backend) {
		return new RedisAnswerCache(backend);
	}

	@Bean
	@ConditionalOnMissingBean(BreakerStore.class)
	RedisBreakerStore llmGuardRedisBreakerStore(RedisGuardBackend backend) {
		return new RedisBreakerStore(backend);
	}

	@Bean
	@ConditionalOnMissingBean(dev.llmguard.core.change.LimitOverrides.class)
	dev.llmguard.redis.RedisLimitOverrides llmGuardRedisLimitOverrides(RedisGuardBackend backend) {
		return new dev.llmguard.redis.RedisLimitOverrides(backend);
	}

	/** Health: DOWN while Redis does not answer a PING. */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "dev.llmguard.actuate.BackendHealth")
	static final class RedisHealthConfiguration {

		@Bean
		@ConditionalOnMissingBean
		dev.llmguard.actuate.BackendHealth llmGuardRedisBackendHealth(RedisGuardBackend backend) {
			return new dev.llmguard.actuate.BackendHealth() {

				@Override
				public String backend() {
					return "redis";
				}

				@Override
				public java.util.Map<String, Object> check() {
					if (!backend.probe()) {
						throw new IllegalStateException("Redis does not answer (failures so far: " + backend.failures()
								+ ", mode " + backend.mode() + ")");
					}
					return java.util.Map.of("mode", backend.mode().toString(), "failures", backend.failures());
				}

			};
		}

	}

}

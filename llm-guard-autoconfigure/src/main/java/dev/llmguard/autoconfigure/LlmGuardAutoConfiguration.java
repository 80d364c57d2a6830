package dev.llmguard.autoconfigure;

import dev.llmguard.core.config.GuardSettings;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * Auto-configuration of llm-guard: binds and validates {@code llm.guard.*} into {@link GuardSettings}
 * and checks every {@code @RateLimitedLlm} against it. Switched off by {@code llm.guard.enabled=false}.
 */
@AutoConfiguration(afterName = "org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration")
@ConditionalOnBooleanProperty(name = "llm.guard.enabled", matchIfMissing = true)
@EnableConfigurationProperties(LlmGuardProperties.class)
public final class LlmGuardAutoConfiguration {

	static final String REDIS_CONNECTION_FACTORY = "org.springframework.data.redis.connection.RedisConnectionFactory";

	@Bean
	@ConditionalOnMissingBean
	GuardSettings llmGuardSettings(LlmGuardProperties properties, Environment environment) {
		UnknownPropertyCheck.check(environment);
		return GuardSettingsFactory.create(properties);
	}

	@Bean
	@ConditionalOnMissingBean
	RateLimitedLlmValidator rateLimitedLlmValidator(ObjectProvider<GuardSettings> settings) {
		return new RateLimitedLlmValidator(settings);
	}

	/**
	 * Stops start-up when {@code backend: redis} has no Redis connection to use; the Redis backend
	 * itself is configured elsewhere and only needs a {@code RedisConnectionFactory}.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnProperty(name = "llm.guard.backend", havingValue = "redis")
	static final class RedisBackendCheckConfiguration {

		@Configuration(proxyBeanMethods = false)
		@ConditionalOnMissingClass(REDIS_CONNECTION_FACTORY)
		static final class SpringDataRedisMissing {

			SpringDataRedisMissing() {
				throw LlmGuardConfigurationValidator.missingRedisConnection(false);
			}

		}

		@Configuration(proxyBeanMethods = false)
		@ConditionalOnClass(name = REDIS_CONNECTION_FACTORY)
		@ConditionalOnMissingBean(type = REDIS_CONNECTION_FACTORY)
		static final class RedisConnectionFactoryMissing {

			RedisConnectionFactoryMissing() {
				throw LlmGuardConfigurationValidator.missingRedisConnection(true);
			}

		}

	}

}

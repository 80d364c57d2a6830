package dev.llmguard.autoconfigure;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

import dev.llmguard.core.LlmGuardEngine;
import dev.llmguard.core.change.InMemoryLimitOverrides;
import dev.llmguard.core.change.LimitOverrides;
import dev.llmguard.core.change.RuntimeLimits;

/**
 * Limits changed at runtime ({@link RuntimeLimits}): overrides kept in this JVM, or in Redis when the
 * Redis backend contributes a shared {@link LimitOverrides} (then polled every
 * {@code llm.guard.redis.limits-refresh}), and, with Spring Cloud on the class path, changed
 * {@code llm.guard.*} limits applied when the Environment is refreshed.
 */
@AutoConfiguration(afterName = { "dev.llmguard.autoconfigure.LlmGuardAutoConfiguration",
		"dev.llmguard.autoconfigure.LlmGuardRedisAutoConfiguration" })
@ConditionalOnBean(LlmGuardEngine.class)
@EnableConfigurationProperties(LlmGuardProperties.class)
public final class LlmGuardRuntimeLimitsAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	RuntimeLimits llmGuardRuntimeLimits(LlmGuardEngine engine, ObjectProvider<LimitOverrides> overrides) {
		return new RuntimeLimits(engine.settings(), engine.limiters(), engine.tools(), engine.budgets(), engine.modes(),
				engine.events(), engine.clock(), overrides.getIfAvailable(InMemoryLimitOverrides::new));
	}

	@Bean
	@ConditionalOnMissingBean
	LimitOverridesPoller llmGuardLimitOverridesPoller(RuntimeLimits limits, ObjectProvider<LimitOverrides> overrides,
			LlmGuardProperties properties) {
		LimitOverrides store = overrides.getIfAvailable();
		return new LimitOverridesPoller(limits, store != null && store.shared(), properties.getRedis().getLimitsRefresh());
	}

	/** Spring Cloud's refresh of the Environment applies changed limits. */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "org.springframework.cloud.context.environment.EnvironmentChangeEvent")
	static final class EnvironmentRefreshConfiguration {

		@Bean
		@ConditionalOnMissingBean
		LimitsEnvironmentListener llmGuardLimitsEnvironmentListener(RuntimeLimits limits, Environment environment) {
			return new LimitsEnvironmentListener(limits, environment);
		}

	}

}

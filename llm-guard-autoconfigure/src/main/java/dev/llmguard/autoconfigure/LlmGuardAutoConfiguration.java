package dev.llmguard.autoconfigure;


import dev.llmguard.annotation.PromptTextExtractor;
import dev.llmguard.annotation.RateLimitedLlmAspect;
import dev.llmguard.core.CallObserver;
import dev.llmguard.core.LlmGuard;
import dev.llmguard.core.LlmGuardEngine;
import dev.llmguard.core.AnswerExtractor;
import dev.llmguard.core.UsageExtractor;
import dev.llmguard.core.breaker.BreakerStore;
import dev.llmguard.core.cache.AnswerCache;
import dev.llmguard.core.budget.BudgetLedger;
import dev.llmguard.core.budget.InMemoryBudgetLedger;
import dev.llmguard.core.config.GuardSettings;
import dev.llmguard.core.event.GuardListener;
import dev.llmguard.core.limit.BucketStore;
import dev.llmguard.core.limit.CooldownStore;
import dev.llmguard.core.retry.ErrorClassifier;
import dev.llmguard.core.time.GuardClock;
import dev.llmguard.core.token.TokenEstimator;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * Auto-configuration of llm-guard: binds and validates {@code llm.guard.*} into {@link GuardSettings},
 * builds the {@link LlmGuardEngine} from whatever storage beans exist (in memory when none; the Redis
 * auto-configuration contributes shared ones), the {@link LlmGuard} facade and the
 * {@code @RateLimitedLlm} aspect, and checks every {@code @RateLimitedLlm} against the settings.
 * Switched off by {@code llm.guard.enabled=false}.
 */
@AutoConfiguration(afterName = "org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration")
@ConditionalOnBooleanProperty(name = "llm.guard.enabled", matchIfMissing = true)
@EnableConfigurationProperties(LlmGuardProperties.class)
public final class LlmGuardAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	GuardSettings llmGuardSettings(LlmGuardProperties properties, Environment environment) {
		UnknownPropertyCheck.check(environment);
		return GuardSettingsFactory.create(properties);
	}

	@Bean
	@ConditionalOnMissingBean
	GuardClock llmGuardClock() {
		return GuardClock.system();
	}

	@Bean(destroyMethod = "close")
	@ConditionalOnMissingBean
	LlmGuardEngine llmGuardEngine(GuardSettings settings, LlmGuardProperties properties, GuardClock clock,
			ObjectProvider<BucketStore> bucketStore,
			ObjectProvider<BudgetLedger> ledger, ObjectProvider<CooldownStore> cooldowns,
			ObjectProvider<BreakerStore> breakers,
			ObjectProvider<TokenEstimator> estimator, ObjectProvider<ErrorClassifier> classifiers,
			ObjectProvider<UsageExtractor> usageExtractors, ObjectProvider<GuardListener> listeners,
			ObjectProvider<CallObserver> callObserver, ObjectProvider<AnswerCache> answerCache,
			ObjectProvider<AnswerExtractor> answerExtractors, ConfigurableListableBeanFactory beanFactory) {
		LlmGuardConfigurationValidator.validateBackend(properties, beanFactory);
		return LlmGuardEngine.builder(settings)
			.clock(clock)
			.bucketStore(bucketStore.getIfAvailable())
			.ledger(ledger.getIfAvailable(() -> new InMemoryBudgetLedger(clock, settings.zone(),
					properties.getMemory().getMaxBudgetEntries())))
			.cooldowns(cooldowns.getIfAvailable())
			.breakers(breakers.getIfAvailable())
			.estimator(estimator.getIfAvailable())
			.classifiers(classifiers.orderedStream().toList())
			.usageExtractors(usageExtractors.orderedStream().toList())
			.answerCache(answerCache.getIfAvailable())
			.answerExtractors(answerExtractors.orderedStream().toList())
			.listeners(listeners.orderedStream().toList())
			.callObserver(callObserver.getIfUnique())
			.build();
	}

	@Bean
	@ConditionalOnMissingBean
	LlmGuard llmGuard(LlmGuardEngine engine) {
		return new LlmGuard(engine);
	}

	@Bean
	@ConditionalOnMissingBean
	RateLimitedLlmValidator rateLimitedLlmValidator(ObjectProvider<GuardSettings> settings) {
		return new RateLimitedLlmValidator(settings);
	}

	/** The {@code @RateLimitedLlm} aspect, when AspectJ is on the class path. */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "org.aspectj.weaver.Advice")
	static final class AspectConfiguration {

		@Bean
		@ConditionalOnMissingBean
		RateLimitedLlmAspect rateLimitedLlmAspect(LlmGuardEngine engine, LlmGuardProperties properties) {
			return new RateLimitedLlmAspect(engine, properties.getAspectOrder(),
					PromptTextExtractor.defaults(LlmGuardAutoConfiguration.class.getClassLoader()));
		}

	}

}

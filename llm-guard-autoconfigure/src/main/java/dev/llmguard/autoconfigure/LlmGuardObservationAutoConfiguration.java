package dev.llmguard.autoconfigure;

import io.micrometer.observation.ObservationRegistry;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.context.annotation.Bean;

import dev.llmguard.core.CallObserver;
import dev.llmguard.core.LlmGuardEngine;
import dev.llmguard.metrics.GuardCallObservationConvention;
import dev.llmguard.metrics.ObservationCallObserver;

/**
 * Makes every guarded call an {@code llm.guard.call} Micrometer observation (a timer with provider,
 * model and outcome, and a span when tracing is on); declare a {@link GuardCallObservationConvention}
 * bean to change its name or keys.
 */
@AutoConfiguration(afterName = { "dev.llmguard.autoconfigure.LlmGuardAutoConfiguration",
		"org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration" })
@ConditionalOnClass(ObservationRegistry.class)
@ConditionalOnBean({ LlmGuardEngine.class, ObservationRegistry.class })
public final class LlmGuardObservationAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean(CallObserver.class)
	ObservationCallObserver llmGuardCallObserver(ObservationRegistry registry,
			ObjectProvider<GuardCallObservationConvention> convention) {
		return new ObservationCallObserver(registry, convention.getIfUnique());
	}

	/** Hands the observer to the engine once every singleton exists (the engine is built before). */
	@Bean
	@ConditionalOnSingleCandidate(CallObserver.class)
	SmartInitializingSingleton llmGuardCallObserverRegistration(LlmGuardEngine engine, CallObserver observer) {
		return () -> engine.observeCalls(observer);
	}

}

package dev.llmguard.autoconfigure;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.llmguard.actuate.ObserveFixtures;
import dev.llmguard.core.LlmGuardEngine;
import dev.llmguard.core.event.GuardListener;
import dev.llmguard.core.time.ManualGuardClock;

/**
 * The engine as LlmGuardAutoConfiguration builds it (every GuardListener bean handed to the
 * builder), over the fixtures' configuration and a manual clock.
 */
@Configuration(proxyBeanMethods = false)
class GuardEngineTestConfiguration {

	@Bean
	ManualGuardClock guardClock() {
		return ObserveFixtures.clock();
	}

	@Bean(destroyMethod = "close")
	LlmGuardEngine llmGuardEngine(ManualGuardClock clock, ObjectProvider<GuardListener> listeners) {
		return LlmGuardEngine.builder(ObserveFixtures.settings())
			.clock(clock)
			.listeners(listeners.orderedStream().toList())
			.build();
	}

}

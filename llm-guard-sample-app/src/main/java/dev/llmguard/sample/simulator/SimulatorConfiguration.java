package dev.llmguard.sample.simulator;

import dev.llmguard.test.simulator.ProviderSimulator;

import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Starts the provider simulator while the context starts, so it listens before the first request
 * reaches the OpenAI client (which only connects when a call is made).
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnBooleanProperty(name = "sample.simulator.enabled", matchIfMissing = true)
class SimulatorConfiguration {

	@Bean(destroyMethod = "stop")
	ProviderSimulator providerSimulator(SimulatorProperties properties) {
		return ProviderSimulator.builder()
			.port(properties.port())
			.requestsPerMinute(properties.requestsPerMinute())
			.tokensPerMinute(properties.tokensPerMinute())
			.latency(properties.latency())
			.failureRate(properties.failureRate())
			.outputTokens(properties.outputTokens())
			.rateLimiting(properties.rateLimiting())
			.build()
			.start();
	}

}

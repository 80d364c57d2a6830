package dev.llmguard.autoconfigure;

import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

import dev.llmguard.core.LlmGuardEngine;
import dev.llmguard.metrics.GuardEventMetrics;
import dev.llmguard.metrics.GuardStateMetrics;

/**
 * llm-guard's Micrometer meters: counters and timers fed by the engine's events (a listener the
 * engine picks up like every {@code GuardListener} bean) and gauges read from its state (a
 * {@code MeterBinder} Boot binds to every registry).
 */
@AutoConfiguration(afterName = { "dev.llmguard.autoconfigure.LlmGuardAutoConfiguration",
		"org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
		"org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration" })
@ConditionalOnClass(MeterRegistry.class)
@ConditionalOnBean({ LlmGuardEngine.class, MeterRegistry.class })
public final class LlmGuardMetricsAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	GuardEventMetrics llmGuardEventMetrics(MeterRegistry registry) {
		return new GuardEventMetrics(registry);
	}

	@Bean
	@ConditionalOnMissingBean
	GuardStateMetrics llmGuardStateMetrics(LlmGuardEngine engine) {
		return new GuardStateMetrics(engine);
	}

}

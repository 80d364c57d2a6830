package dev.llmguard.autoconfigure;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistryAssert;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.llmguard.actuate.ObserveFixtures;
import dev.llmguard.core.CallObserver;
import dev.llmguard.core.LlmGuardEngine;
import dev.llmguard.core.model.Usage;
import dev.llmguard.metrics.GuardEventMetrics;
import dev.llmguard.metrics.GuardStateMetrics;
import dev.llmguard.metrics.ObservationCallObserver;

import static org.assertj.core.api.Assertions.assertThat;

class LlmGuardMetricsAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(LlmGuardMetricsAutoConfiguration.class,
				LlmGuardObservationAutoConfiguration.class, MetricsAutoConfiguration.class,
				SimpleMetricsExportAutoConfiguration.class, CompositeMeterRegistryAutoConfiguration.class))
		.withUserConfiguration(GuardEngineTestConfiguration.class);

	@Test
	void countsCallsAndGaugesStateInBootsRegistry() {
		this.runner.run((context) -> {
			assertThat(context).hasSingleBean(GuardEventMetrics.class).hasSingleBean(GuardStateMetrics.class);
			ObserveFixtures.call(context.getBean(LlmGuardEngine.class), "acme", new Usage(100, 20));

			MeterRegistry registry = context.getBean(MeterRegistry.class);
			assertThat(registry.get("llm.guard.calls").tag("outcome", "success").counter().count()).isEqualTo(1);
			assertThat(registry.get("llm.guard.budget.used").tag("budget", "daily-spend").gauge().value()).isPositive();
			assertThat(registry.get("llm.guard.bucket.available").tag("limit", "requests-per-minute").gauge().value())
				.isEqualTo(399);
		});
	}

	@Test
	void nothingWithoutMicrometer() {
		this.runner.withClassLoader(new FilteredClassLoader("io.micrometer"))
			.run((context) -> assertThat(context).hasNotFailed()
				.doesNotHaveBean(GuardEventMetrics.class)
				.doesNotHaveBean(GuardStateMetrics.class)
				.doesNotHaveBean(CallObserver.class));
	}

	@Test
	void nothingWithoutAnEngine() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(LlmGuardMetricsAutoConfiguration.class,
					LlmGuardObservationAutoConfiguration.class, MetricsAutoConfiguration.class,
					SimpleMetricsExportAutoConfiguration.class, CompositeMeterRegistryAutoConfiguration.class))
			.run((context) -> assertThat(context).hasNotFailed()
				.doesNotHaveBean(GuardEventMetrics.class)
				.doesNotHaveBean(CallObserver.class));
	}

	@Test
	void callsBecomeObservationsOfTheApplicationsRegistry() {
		this.runner.withBean(ObservationRegistry.class, TestObservationRegistry::create).run((context) -> {
			assertThat(context).hasSingleBean(ObservationCallObserver.class);
			ObserveFixtures.call(context.getBean(LlmGuardEngine.class), "acme", new Usage(100, 20));

			TestObservationRegistryAssert.assertThat((TestObservationRegistry) context.getBean(ObservationRegistry.class))
				.hasObservationWithNameEqualTo("llm.guard.call")
				.that()
				.hasLowCardinalityKeyValue("outcome", "success");
		});
	}

}

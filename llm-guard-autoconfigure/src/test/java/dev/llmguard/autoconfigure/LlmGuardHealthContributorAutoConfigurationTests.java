package dev.llmguard.autoconfigure;

import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.autoconfigure.contributor.HealthContributorAutoConfiguration;
import org.springframework.boot.health.autoconfigure.registry.HealthContributorRegistryAutoConfiguration;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.health.registry.HealthContributorRegistry;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.llmguard.actuate.BackendHealth;
import dev.llmguard.actuate.LlmGuardHealthIndicator;

import static org.assertj.core.api.Assertions.assertThat;

class LlmGuardHealthContributorAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(LlmGuardHealthContributorAutoConfiguration.class,
				HealthContributorAutoConfiguration.class, HealthContributorRegistryAutoConfiguration.class))
		.withUserConfiguration(GuardEngineTestConfiguration.class);

	@Test
	void contributesLlmGuardHealthOfTheMemoryBackend() {
		this.runner.run((context) -> {
			assertThat(context).hasSingleBean(LlmGuardHealthIndicator.class);
			HealthIndicator indicator = (HealthIndicator) context.getBean(HealthContributorRegistry.class)
				.getContributor("llmGuard");
			Health health = indicator.health(true);
			assertThat(health.getStatus()).isEqualTo(Status.UP);
			assertThat(health.getDetails()).containsEntry("backend", "memory");
		});
	}

	@Test
	void reportsTheBackendsProbe() {
		this.runner.withBean(BackendHealth.class, () -> new BackendHealth() {

			@Override
			public String backend() {
				return "redis";
			}

			@Override
			public Map<String, Object> check() throws Exception {
				throw new java.net.ConnectException("Connection refused");
			}

		}).run((context) -> assertThat(context.getBean(LlmGuardHealthIndicator.class).health().getStatus())
			.isEqualTo(Status.DOWN));
	}

	@Test
	void canBeSwitchedOff() {
		this.runner.withPropertyValues("management.health.llmguard.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(LlmGuardHealthIndicator.class));
	}

	@Test
	void nothingWithoutBootsHealthModule() {
		this.runner.withClassLoader(new FilteredClassLoader(HealthIndicator.class))
			.run((context) -> assertThat(context).doesNotHaveBean(LlmGuardHealthIndicator.class));
	}

}

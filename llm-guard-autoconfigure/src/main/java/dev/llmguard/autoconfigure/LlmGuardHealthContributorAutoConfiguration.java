package dev.llmguard.autoconfigure;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

import dev.llmguard.actuate.BackendHealth;
import dev.llmguard.actuate.LlmGuardHealthIndicator;
import dev.llmguard.core.LlmGuardEngine;

/**
 * The {@code llmGuard} health contributor ({@code management.health.llmguard.enabled}). It probes
 * the backend through a {@link BackendHealth} bean (the Redis backend declares one); without one the
 * in-process backend is assumed.
 */
@AutoConfiguration(afterName = "dev.llmguard.autoconfigure.LlmGuardAutoConfiguration",
		beforeName = "org.springframework.boot.health.autoconfigure.contributor.HealthContributorAutoConfiguration")
@ConditionalOnClass(HealthIndicator.class)
@ConditionalOnBean(LlmGuardEngine.class)
@ConditionalOnEnabledHealthIndicator("llmguard")
public final class LlmGuardHealthContributorAutoConfiguration {

	/** Named {@code llmGuardHealthIndicator}, so the contributor is called {@code llmGuard}. */
	@Bean
	@ConditionalOnMissingBean(name = "llmGuardHealthIndicator")
	LlmGuardHealthIndicator llmGuardHealthIndicator(LlmGuardEngine engine, ObjectProvider<BackendHealth> backend) {
		return new LlmGuardHealthIndicator(engine, backend.getIfUnique(BackendHealth::memory));
	}

}

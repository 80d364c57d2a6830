package dev.llmguard.autoconfigure;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.cloud.context.environment.EnvironmentChangeEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.core.env.Environment;

import dev.llmguard.core.change.RuntimeLimits;

/**
 * Applies changed {@code llm.guard.*} limits when Spring Cloud refreshes the Environment: binds
 * {@code llm.guard} afresh and hands the settings to {@link RuntimeLimits#reconfigure}. Invalid
 * settings change nothing (one WARN).
 */
final class LimitsEnvironmentListener implements ApplicationListener<EnvironmentChangeEvent> {

	private static final Logger logger = LoggerFactory.getLogger(LimitsEnvironmentListener.class);

	private final RuntimeLimits limits;

	private final Environment environment;

	LimitsEnvironmentListener(RuntimeLimits limits, Environment environment) {
		this.limits = limits;
		this.environment = environment;
	}

	@Override
	public void onApplicationEvent(EnvironmentChangeEvent event) {
		if (event.getKeys().stream().noneMatch((key) -> key.startsWith("llm.guard."))) {
			return;
		}
		try {
			LlmGuardProperties properties = Binder.get(this.environment)
				.bindOrCreate("llm.guard", LlmGuardProperties.class);
			this.limits.reconfigure(GuardSettingsFactory.create(properties));
		}
		catch (RuntimeException ex) {
			logger.warn("llm-guard: the refreshed llm.guard settings were not applied: {}", ex.getMessage());
		}
	}

}

package dev.llmguard.autoconfigure;

import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.actuate.endpoint.Access;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

import dev.llmguard.actuate.GuardEventBuffer;
import dev.llmguard.actuate.LlmGuardEndpoint;
import dev.llmguard.actuate.LlmGuardEventsEndpoint;
import dev.llmguard.actuate.LlmGuardLimitsEndpoint;
import dev.llmguard.core.change.RuntimeLimits;
import dev.llmguard.core.LlmGuardEngine;

/**
 * The {@code llmguard} and {@code llmguardevents} actuator endpoints, each when available (enabled
 * and exposed over HTTP or JMX, as {@code management.endpoints.*} say).
 */
@AutoConfiguration(afterName = { "dev.llmguard.autoconfigure.LlmGuardAutoConfiguration",
		"dev.llmguard.autoconfigure.LlmGuardRuntimeLimitsAutoConfiguration" })
@ConditionalOnClass({ Endpoint.class, ConditionalOnAvailableEndpoint.class })
@ConditionalOnBean(LlmGuardEngine.class)
@EnableConfigurationProperties(LlmGuardProperties.class)
public final class LlmGuardEndpointAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnAvailableEndpoint
	LlmGuardEndpoint llmGuardEndpoint(LlmGuardEngine engine) {
		return new LlmGuardEndpoint(engine);
	}

	/**
	 * Writes without a principal are allowed only where access was opened explicitly: the endpoint's own
	 * {@code access} property, or {@code management.endpoints.access.default}, set to {@code unrestricted}.
	 */
	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnBean(RuntimeLimits.class)
	@ConditionalOnAvailableEndpoint
	LlmGuardLimitsEndpoint llmGuardLimitsEndpoint(RuntimeLimits limits, Environment environment) {
		Binder binder = Binder.get(environment);
		Access access = binder.bind("management.endpoint.llmguardlimits.access", Access.class)
			.orElseGet(() -> binder.bind("management.endpoints.access.default", Access.class).orElse(null));
		return new LlmGuardLimitsEndpoint(limits, access == Access.UNRESTRICTED);
	}

	/** Kept only while the events endpoint can be read: no endpoint, no buffer to fill. */
	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnAvailableEndpoint(LlmGuardEventsEndpoint.class)
	GuardEventBuffer llmGuardEventBuffer(LlmGuardProperties properties) {
		return new GuardEventBuffer(properties.getEvents().getBufferSize());
	}

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnAvailableEndpoint
	LlmGuardEventsEndpoint llmGuardEventsEndpoint(GuardEventBuffer buffer) {
		return new LlmGuardEventsEndpoint(buffer);
	}

}

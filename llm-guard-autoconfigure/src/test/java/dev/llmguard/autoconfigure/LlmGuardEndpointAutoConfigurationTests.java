package dev.llmguard.autoconfigure;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.llmguard.actuate.GuardEventBuffer;
import dev.llmguard.actuate.LlmGuardEndpoint;
import dev.llmguard.actuate.LlmGuardEventsEndpoint;
import dev.llmguard.actuate.ObserveFixtures;
import dev.llmguard.core.CallRequest;
import dev.llmguard.core.FallbackResponseMapper;
import dev.llmguard.core.LlmGuardEngine;
import dev.llmguard.core.retry.ProviderResponseException;

import static org.assertj.core.api.Assertions.assertThat;

class LlmGuardEndpointAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(LlmGuardEndpointAutoConfiguration.class))
		.withUserConfiguration(GuardEngineTestConfiguration.class);

	@Test
	void endpointsAreAbsentUntilExposedAsBootDoesByDefault() {
		this.runner.run((context) -> assertThat(context).doesNotHaveBean(LlmGuardEndpoint.class)
			.doesNotHaveBean(LlmGuardEventsEndpoint.class)
			.doesNotHaveBean(GuardEventBuffer.class));
	}

	@Test
	void endpointsArePresentWhenExposedOverHttp() {
		this.runner.withPropertyValues("management.endpoints.web.exposure.include=health,llmguard,llmguardevents")
			.run((context) -> assertThat(context).hasSingleBean(LlmGuardEndpoint.class)
				.hasSingleBean(LlmGuardEventsEndpoint.class)
				.hasSingleBean(GuardEventBuffer.class));
	}

	@Test
	void eachEndpointFollowsItsOwnExposure() {
		this.runner.withPropertyValues("management.endpoints.web.exposure.include=llmguard")
			.run((context) -> assertThat(context).hasSingleBean(LlmGuardEndpoint.class)
				.doesNotHaveBean(LlmGuardEventsEndpoint.class)
				.doesNotHaveBean(GuardEventBuffer.class));
	}

	@Test
	void aDisabledEndpointIsAbsentEvenWhenExposed() {
		this.runner
			.withPropertyValues("management.endpoints.web.exposure.include=*",
					"management.endpoint.llmguard.access=NONE", "management.endpoint.llmguardevents.access=NONE")
			.run((context) -> assertThat(context).doesNotHaveBean(LlmGuardEndpoint.class)
				.doesNotHaveBean(LlmGuardEventsEndpoint.class));
	}

	@Test
	void nothingWithoutTheActuator() {
		this.runner.withPropertyValues("management.endpoints.web.exposure.include=*")
			.withClassLoader(new FilteredClassLoader(Endpoint.class))
			.run((context) -> assertThat(context).doesNotHaveBean(LlmGuardEndpoint.class)
				.doesNotHaveBean(LlmGuardEventsEndpoint.class));
	}

	@Test
	void nothingWithoutAnEngine() {
		new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(LlmGuardEndpointAutoConfiguration.class))
			.withPropertyValues("management.endpoints.web.exposure.include=*")
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(LlmGuardEndpoint.class));
	}

	@Test
	void theEngineFillsTheEventBufferOfTheConfiguredSize() {
		this.runner
			.withPropertyValues("management.endpoints.web.exposure.include=llmguardevents",
					"llm.guard.events.buffer-size=5")
			.run((context) -> {
				LlmGuardEngine engine = context.getBean(LlmGuardEngine.class);
				CallRequest request = CallRequest.builder().chain("default").estimatedInputTokens(10L).build();
				engine.execute(request, (call) -> {
					if (call.model().equals("gpt-4o")) {
						throw new ProviderResponseException(429, "rate_limit_exceeded", Duration.ofSeconds(1), "busy");
					}
					return "answer";
				}, FallbackResponseMapper.none());

				assertThat(context.getBean(GuardEventBuffer.class).size()).isEqualTo(5);
				assertThat(context.getBean(LlmGuardEventsEndpoint.class).events().events())
					.extracting(LlmGuardEventsEndpoint.EventDescriptor::type)
					.containsExactly("fallback", "cooldown");
			});
	}

	@Test
	void aUsersEndpointBeanWins() {
		this.runner.withPropertyValues("management.endpoints.web.exposure.include=llmguard")
			.withBean("myEndpoint", LlmGuardEndpoint.class,
					() -> new LlmGuardEndpoint(ObserveFixtures.engine(ObserveFixtures.clock())))
			.run((context) -> assertThat(context).hasSingleBean(LlmGuardEndpoint.class).hasBean("myEndpoint"));
	}

}

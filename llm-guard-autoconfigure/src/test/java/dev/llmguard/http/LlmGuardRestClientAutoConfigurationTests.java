package dev.llmguard.http;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.restclient.autoconfigure.RestClientAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.http.MediaType;
import org.springframework.web.client.RestClient;

import dev.llmguard.autoconfigure.LlmGuardAutoConfiguration;
import dev.llmguard.autoconfigure.LlmGuardRestClientAutoConfiguration;
import dev.llmguard.core.LlmGuardEngine;
import dev.llmguard.core.RateLimitExceededException;
import dev.llmguard.core.config.BudgetPeriod;
import dev.llmguard.core.config.BudgetScope;
import dev.llmguard.core.config.BudgetSpec;
import dev.llmguard.core.config.GuardSettings;
import dev.llmguard.core.config.ModelSpec;
import dev.llmguard.core.config.OnExceeded;
import dev.llmguard.core.config.ProviderSpec;
import dev.llmguard.core.config.RateLimits;
import dev.llmguard.core.event.GuardEvent;
import dev.llmguard.core.model.ModelRef;
import dev.llmguard.test.junit.ProviderSimulatorExtension;
import dev.llmguard.test.simulator.ProviderSimulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/** Every {@code RestClient.Builder} Spring Boot hands out guards calls to configured providers. */
class LlmGuardRestClientAutoConfigurationTests {

	@RegisterExtension
	static final ProviderSimulatorExtension simulatorExtension = ProviderSimulatorExtension.builder().build();

	private final List<GuardEvent> events = new CopyOnWriteArrayList<>();

	private ApplicationContextRunner runner(ProviderSimulator simulator) {
		ModelRef model = new ModelRef("openai", "gpt-4o");
		GuardSettings settings = GuardSettings.builder()
			.provider(new ProviderSpec("openai", simulator.baseUrl(), RateLimits.NONE, null, Duration.ofSeconds(5),
					Map.of("gpt-4o", new ModelSpec(model, null, 128_000, 1024, null))))
			.budget(new BudgetSpec("spend", BudgetScope.GLOBAL, BudgetPeriod.NONE, new BigDecimal("10"), null, 0.9,
					OnExceeded.REJECT))
			.build();
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(RestClientAutoConfiguration.class,
					LlmGuardRestClientAutoConfiguration.class))
			.withBean(LlmGuardEngine.class,
					() -> LlmGuardEngine.builder(settings).listener(this.events::add).build());
	}

	@Test
	void restClientsFromTheBootBuilderAreGuarded(ProviderSimulator simulator) {
		runner(simulator).run(context -> {
			assertThat(context).hasSingleBean(LlmGuardRestClientInterceptor.class)
				.hasSingleBean(RestClientErrorClassifier.class);
			RestClient client = context.getBean(RestClient.Builder.class).baseUrl(simulator.baseUrl()).build();

			String answer = client.post()
				.uri("/v1/chat/completions")
				.contentType(MediaType.APPLICATION_JSON)
				.body("{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}")
				.retrieve()
				.body(String.class);

			assertThat(answer).contains("\"usage\"");
			assertThat(this.events).filteredOn(GuardEvent.CallFinished.class::isInstance).hasSize(1);
			assertThat(context.getBean(LlmGuardEngine.class).budgets().usage("spend", "").spentTokens())
				.isEqualTo(simulator.stats().inputTokens() + simulator.stats().outputTokens());
		});
	}

	@Test
	void guardOtherRequestsPropertyReachesTheInterceptor(ProviderSimulator simulator) {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(LlmGuardAutoConfiguration.class, RestClientAutoConfiguration.class,
					LlmGuardRestClientAutoConfiguration.class))
			.withPropertyValues("llm.guard.headroom=1", "llm.guard.providers.openai.base-url=" + simulator.baseUrl(),
					"llm.guard.providers.openai.requests-per-minute=1", "llm.guard.providers.openai.max-wait=0s",
					"llm.guard.providers.openai.guard-other-requests=true",
					"llm.guard.providers.openai.models.gpt-4o.context-window=128000")
			.run(context -> {
				RestClient client = context.getBean(RestClient.Builder.class).baseUrl(simulator.baseUrl()).build();
				Supplier<Integer> embeddings = () -> client.post()
					.uri("/v1/embeddings")
					.contentType(MediaType.APPLICATION_JSON)
					.body("{\"model\":\"text-embedding-3-small\",\"input\":\"x\"}")
					.exchange((request, response) -> response.getStatusCode().value());

				assertThat(embeddings.get()).isEqualTo(404);
				assertThatExceptionOfType(RateLimitExceededException.class).isThrownBy(embeddings::get);
				assertThat(simulator.receivedRequests()).hasSize(1);
			});
	}

	@Test
	void nothingIsConfiguredWithoutAnEngine() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(RestClientAutoConfiguration.class,
					LlmGuardRestClientAutoConfiguration.class))
			.run(context -> assertThat(context).doesNotHaveBean(LlmGuardRestClientInterceptor.class));
	}

	@Test
	void nothingIsConfiguredWithoutRestClient(ProviderSimulator simulator) {
		runner(simulator).withClassLoader(new FilteredClassLoader(RestClient.class))
			.run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(LlmGuardRestClientInterceptor.class));
	}

}

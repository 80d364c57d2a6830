package dev.llmguard.http;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.http.MediaType;
import org.springframework.web.client.RestClient;

import dev.llmguard.core.BudgetExceededException;
import dev.llmguard.core.LlmGuardEngine;
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
import dev.llmguard.core.model.Money;
import dev.llmguard.core.time.ManualGuardClock;
import dev.llmguard.test.junit.ProviderSimulatorExtension;
import dev.llmguard.test.simulator.ProviderSimulator;
import dev.llmguard.test.simulator.SimulatorStats;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Shrink to fit through the RestClient: the request that leaves carries the allowance the budget still
 * affords ({@code max_completion_tokens} for OpenAI, {@code max_tokens} for Anthropic), and a small tenant
 * budget is spent to at least 80 % of its cap before its first rejection, at exactly the provider's
 * usage times the price.
 */
class RestClientShrinkToFitTests {

	@RegisterExtension
	static final ProviderSimulatorExtension simulatorExtension = ProviderSimulatorExtension.builder()
		.outputTokens(3000)
		.build();

	private final JsonMapper json = JsonMapper.builder().build();

	private final List<GuardEvent> events = new CopyOnWriteArrayList<>();

	private LlmGuardEngine engine;

	@AfterEach
	void closeEngine() {
		if (this.engine != null) {
			this.engine.close();
		}
	}

	@Test
	void anOpenAiRequestLeavesWithTheAllowanceTheBudgetStillAffords(ProviderSimulator simulator) {
		// gpt-4o: 1,024 output tokens cost $0.01024; $0.005 affords about half of that
		RestClient client = client(simulator, new ModelRef("openai", "gpt-4o"), "0.005");

		post(client, "/v1/chat/completions", "acme",
				"{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");

		GuardEvent.Shrunk shrunk = shrunk();
		assertThat(shrunk.fromTokens()).isEqualTo(1024);
		assertThat(shrunk.toTokens()).isBetween(256L, 1023L);
		JsonNode sent = this.json.readTree(simulator.lastRequest().body());
		assertThat(sent.path("max_completion_tokens").asLong()).isEqualTo(shrunk.toTokens());
		assertThat(simulator.stats().outputTokens()).isEqualTo(shrunk.toTokens());
	}

	@Test
	void anAnthropicRequestLeavesWithTheAllowanceTheBudgetStillAffords(ProviderSimulator simulator) {
		RestClient client = client(simulator, new ModelRef("anthropic", "claude-sonnet-4-5"), "0.01");

		post(client, "/v1/messages", "acme", "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":1024,"
				+ "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");

		GuardEvent.Shrunk shrunk = shrunk();
		JsonNode sent = this.json.readTree(simulator.lastRequest().body());
		assertThat(sent.path("max_tokens").asLong()).isEqualTo(shrunk.toTokens()).isLessThan(1024);
	}

	@Test
	void aSmallTenantBudgetIsSpentToAtLeastEightyPercentBeforeItsFirstRejection(ProviderSimulator simulator) {
		simulator.update((settings) -> settings.outputTokens(120));
		RestClient client = client(simulator, new ModelRef("openai", "gpt-4o"), "0.015");
		long calls = 0;
		for (; calls < 100; calls++) {
			try {
				post(client, "/v1/chat/completions", "acme",
						"{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"Where is my order?\"}]}");
			}
			catch (BudgetExceededException ex) {
				break;
			}
		}
		long spent = this.engine.budgets().usage("tenant-cap", "acme").spentCostNanos();
		assertThat(spent).isGreaterThanOrEqualTo(Money.fromUsd(new BigDecimal("0.012")));
		// spend is the provider's usage times gpt-4o's price (2.50 / 10.00 per 1M tokens)
		SimulatorStats stats = simulator.stats();
		assertThat(stats.requests()).isEqualTo(calls);
		assertThat(spent).isEqualTo(stats.inputTokens() * 2_500L + stats.outputTokens() * 10_000L);
		assertThat(this.engine.budgets().usage("tenant-cap", "acme").reservedCostNanos()).isZero();
	}

	private GuardEvent.Shrunk shrunk() {
		List<GuardEvent.Shrunk> shrunk = this.events.stream()
			.filter(GuardEvent.Shrunk.class::isInstance)
			.map(GuardEvent.Shrunk.class::cast)
			.toList();
		assertThat(shrunk).hasSize(1);
		return shrunk.get(0);
	}

	private RestClient client(ProviderSimulator simulator, ModelRef model, String tenantCap) {
		GuardSettings settings = GuardSettings.builder()
			.headroom(1.0)
			.provider(new ProviderSpec(model.provider(), simulator.baseUrl(), RateLimits.NONE, null,
					Duration.ofSeconds(5), Map.of(model.model(), new ModelSpec(model, null, 128_000, 1024, null))))
			.budget(new BudgetSpec("tenant-cap", BudgetScope.TENANT, BudgetPeriod.DAY, new BigDecimal(tenantCap), null,
					0.8, OnExceeded.REJECT))
			.build();
		this.engine = LlmGuardEngine.builder(settings)
			.clock(new ManualGuardClock())
			.classifier(new RestClientErrorClassifier())
			.listener(this.events::add)
			.build();
		return RestClient.builder()
			.baseUrl(simulator.baseUrl())
			.requestInterceptor(new LlmGuardRestClientInterceptor(this.engine))
			.build();
	}

	private static String post(RestClient client, String path, String tenant, String body) {
		return client.post()
			.uri(path)
			.attribute(LlmGuardRestClientInterceptor.TENANT, tenant)
			.contentType(MediaType.APPLICATION_JSON)
			.body(body)
			.retrieve()
			.body(String.class);
	}

}

package dev.llmguard.metrics;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

import dev.llmguard.actuate.ObserveFixtures;
import dev.llmguard.core.BudgetExceededException;
import dev.llmguard.core.CallRequest;
import dev.llmguard.core.FallbackResponseMapper;
import dev.llmguard.core.LlmGuardEngine;
import dev.llmguard.core.model.Usage;
import dev.llmguard.core.retry.ProviderResponseException;
import dev.llmguard.core.time.ManualGuardClock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class GuardEventMetricsTests {

	private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

	private final ManualGuardClock clock = ObserveFixtures.clock();

	private final LlmGuardEngine engine = ObserveFixtures.engine(this.clock, new GuardEventMetrics(this.registry));

	@Test
	void countsCallsTokensAndCostByProviderAndModel() throws Throwable {
		ObserveFixtures.call(this.engine, "acme", new Usage(1200, 300));
		ObserveFixtures.call(this.engine, "acme", new Usage(800, 100, 400));

		assertThat(counter("llm.guard.calls", "provider", "openai", "model", "gpt-4o", "outcome", "success"))
			.isEqualTo(2);
		assertThat(counter("llm.guard.tokens", "provider", "openai", "model", "gpt-4o", "type", "input"))
			.isEqualTo(1600);
		assertThat(counter("llm.guard.tokens", "provider", "openai", "model", "gpt-4o", "type", "cached_input"))
			.isEqualTo(400);
		assertThat(counter("llm.guard.tokens", "provider", "openai", "model", "gpt-4o", "type", "output"))
			.isEqualTo(400);
		assertThat(counter("llm.guard.cost", "provider", "openai", "model", "gpt-4o")).isEqualTo(0.0085);
		assertThat(this.registry.get("llm.guard.wait").tags("provider", "openai", "priority", "normal").timer().count())
			.isEqualTo(2);
	}

	@Test
	void countsRetriesFallbacksAndRejectedCalls() throws Throwable {
		CallRequest request = CallRequest.builder().chain("default").priority(2).estimatedInputTokens(100L).build();
		int[] calls = new int[1];
		this.engine.execute(request, (context) -> {
			calls[0]++;
			if (context.model().equals("gpt-4o")) {
				throw new ProviderResponseException(429, "rate_limit_exceeded", null, "slow down");
			}
			if (calls[0] == 2) {
				throw new ProviderResponseException(503, null, null, "unavailable");
			}
			context.recordUsage(100, 10);
			return "answer";
		}, FallbackResponseMapper.none());

		assertThat(counter("llm.guard.fallbacks", "chain", "default", "from", "openai/gpt-4o", "to",
				"openai/gpt-4o-mini", "reason", "rate_limited"))
			.isEqualTo(1);
		assertThat(this.registry.find("llm.guard.retries").tags("provider", "openai", "model", "gpt-4o-mini").counter())
			.isNotNull()
			.satisfies((counter) -> assertThat(counter.count()).isEqualTo(1));
		assertThat(counter("llm.guard.calls", "provider", "openai", "model", "gpt-4o-mini", "outcome", "success"))
			.isEqualTo(1);
		assertThat(this.registry.get("llm.guard.wait").tags("priority", "urgent").timer().count()).isEqualTo(2);
	}

	@Test
	void countsCallsABudgetRefused() throws Throwable {
		ObserveFixtures.call(this.engine, "acme", new Usage(0, 100_000)); // $1 of the tenant's $1

		CallRequest request = CallRequest.builder().model("openai/gpt-4o").tenant("acme").estimatedInputTokens(10L).build();
		assertThatExceptionOfType(BudgetExceededException.class).isThrownBy(
				() -> this.engine.execute(request, (context) -> "never", FallbackResponseMapper.none()));

		assertThat(counter("llm.guard.calls", "provider", "openai", "model", "gpt-4o", "outcome", "budget_exceeded"))
			.isEqualTo(1);
	}

	@Test
	void countsToolCallsByTool() {
		this.engine.toolFallback("search_products", FallbackResponseMapper.none());
		this.engine.toolFallback("search_products", FallbackResponseMapper.none());

		assertThat(counter("llm.guard.tool.calls", "tool", "search_products", "outcome", "allowed")).isEqualTo(2);
	}

	@Test
	void meterCountDoesNotGrowWithTenants() throws Throwable {
		for (int i = 0; i < 10; i++) {
			callAsTenant(i);
		}
		int meters = this.registry.getMeters().size();

		for (int i = 10; i < 10_000; i++) {
			callAsTenant(i);
		}

		assertThat(this.registry.getMeters()).hasSize(meters);
		assertThat(counter("llm.guard.calls", "provider", "openai", "model", "gpt-4o", "outcome", "success"))
			.isEqualTo(10_000);
		Set<String> tagValues = new HashSet<>();
		for (Meter meter : this.registry.getMeters()) {
			meter.getId().getTags().stream().map(Tag::getValue).forEach(tagValues::add);
		}
		assertThat(tagValues).noneMatch((value) -> value.startsWith("tenant-"));
	}

	@Test
	void prometheusNamesAreTheDocumentedOnes() throws Throwable {
		PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
		LlmGuardEngine engine = ObserveFixtures.engine(ObserveFixtures.clock(), new GuardEventMetrics(prometheus));
		new GuardStateMetrics(engine).bindTo(prometheus);
		ObserveFixtures.call(engine, "acme", new Usage(1200, 300));
		engine.toolFallback("search_products", FallbackResponseMapper.none());

		String scrape = prometheus.scrape();

		assertThat(scrape)
			.contains("llm_guard_calls_total{model=\"gpt-4o\",outcome=\"success\",provider=\"openai\"} 1.0")
			.contains("llm_guard_tokens_total{model=\"gpt-4o\",provider=\"openai\",type=\"output\"} 300.0")
			.contains("llm_guard_cost_usd_total{model=\"gpt-4o\",provider=\"openai\"} 0.006")
			.contains("llm_guard_wait_seconds_count{priority=\"normal\",provider=\"openai\"} 1")
			.contains("llm_guard_tool_calls_total{outcome=\"allowed\",tool=\"search_products\"} 1.0")
			.contains("llm_guard_budget_used{budget=\"daily-spend\"}")
			.contains("llm_guard_bucket_available{limit=\"requests-per-minute\",provider=\"openai\"} 399.0");
	}

	private void callAsTenant(int i) throws Throwable {
		ObserveFixtures.call(this.engine, "tenant-" + i, new Usage(10, 5));
		this.clock.advance(Duration.ofSeconds(1)); // let the minute buckets refill
	}

	@Test
	void countsEachChangeOfAModelsCircuitBreakerByTheStateEntered() {
		// 500s, each call spending its retries on the manual clock: only the breaker acts on them (a spent
		// quota would close the model until its reset instead)
		CallRequest alone = CallRequest.builder().model(ObserveFixtures.GPT_4O).estimatedInputTokens(10L).build();
		for (int i = 0; i < 5; i++) {
			assertThatExceptionOfType(ProviderResponseException.class).isThrownBy(() -> this.engine.execute(alone,
					(context) -> {
						throw new ProviderResponseException(500, null, null, "server error");
					}, FallbackResponseMapper.none()));
		}
		this.clock.advance(Duration.ofSeconds(61));
		assertThatExceptionOfType(ProviderResponseException.class).isThrownBy(() -> this.engine.execute(alone,
				(context) -> {
					throw new ProviderResponseException(500, null, null, "server error");
				}, FallbackResponseMapper.none()));

		assertThat(counter("llm.guard.breaker.transitions", "provider", "openai", "model", "gpt-4o", "state", "open"))
			.isEqualTo(2);
		assertThat(counter("llm.guard.breaker.transitions", "provider", "openai", "model", "gpt-4o", "state",
				"half-open"))
			.isEqualTo(1);
	}

	private double counter(String name, String... tags) {
		return this.registry.get(name).tags(tags).counter().count();
	}

}

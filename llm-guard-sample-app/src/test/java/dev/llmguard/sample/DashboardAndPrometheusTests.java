package dev.llmguard.sample;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.web.client.RestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * After a few calls, Prometheus shows the llm_guard_* series and the live dashboard, opened in
 * headless Chromium, shows the real bucket levels, budgets and models. The screenshot is kept in
 * {@code target/dashboard.png}. Without a Chromium the dashboard test is skipped, or fails on CI
 * ({@link Chromium}).
 */
class DashboardAndPrometheusTests extends ShippedConfigurationTestBase {

	@LocalServerPort
	private int port;

	private void someCalls() {
		for (int i = 0; i < 3; i++) {
			SampleApi.Response answer = this.api.post("/api/chat",
					"{\"prompt\": \"What is a token bucket?\", \"tenant\": \"dashboard-" + i + "\", \"priority\": 2}");
			assertThat(answer.status()).isEqualTo(200);
		}
		this.api.post("/api/tools/search_products", "{\"query\": \"lamp\"}");
	}

	@Test
	void prometheusShowsTheGuardSeries() {
		someCalls();

		String scrape = RestClient.create("http://localhost:" + this.port)
			.get()
			.uri("/actuator/prometheus")
			.retrieve()
			.body(String.class);

		assertThat(scrape).contains("llm_guard_calls_total{", "outcome=\"success\"", "llm_guard_tokens_total{",
				"llm_guard_cost_usd_total{", "llm_guard_bucket_available", "llm_guard_budget_used",
				"llm_guard_tool_calls_total{");
		assertThat(scrape).doesNotContain("dashboard-0");
	}

	@Test
	void dashboardShowsRealBucketLevelsBudgetsAndModels() throws Exception {
		Path chromium = Chromium.require();
		someCalls();
		String url = "http://localhost:" + this.port + "/dashboard";

		String dom = Chromium.run(chromium, "--dump-dom", url);
		Path screenshot = Path.of("target", "dashboard.png").toAbsolutePath();
		Files.deleteIfExists(screenshot);
		Chromium.run(chromium, "--window-size=1280,1100", "--screenshot=" + screenshot, url);

		assertThat(dom).contains("data-loaded=\"true\"");
		assertThat(dom).contains("data-provider=\"openai\"", "data-limit=\"requests-per-minute\"",
				"data-model=\"gpt-4o\"", "data-model=\"gpt-4o-mini\"", "data-budget=\"daily-spend\"",
				"search_products");
		// 60 requests per minute at headroom 0.8, less the calls just made
		assertThat(dom).containsPattern("\\d+ / 48");
		// the error line stays empty: every poll of the endpoints succeeded
		assertThat(dom).contains("<span id=\"error\"></span>");
		assertThat(screenshot).exists();
		assertThat(Files.size(screenshot)).isGreaterThan(10_000);
	}

}

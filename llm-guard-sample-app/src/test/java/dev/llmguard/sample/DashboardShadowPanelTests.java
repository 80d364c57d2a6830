package dev.llmguard.sample;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.TestPropertySource;
import org.springframework.web.client.RestClient;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dashboard's shadow panel in headless Chromium, with the sample's {@code process_refund} tool in
 * shadow mode: a call past the tool's limit runs (no fallback), is raised as a shadowed
 * {@code decision} event, and the panel lists it by decision, with where and why, and names what runs
 * in shadow mode. The screenshot is kept in {@code target/dashboard-shadow.png}. Without a Chromium the
 * test is skipped, or fails on CI ({@link Chromium}).
 */
@TestPropertySource(properties = "llm.guard.tools.process_refund.mode=shadow")
class DashboardShadowPanelTests extends ShippedConfigurationTestBase {

	private static final String WINDOW = "--window-size=1280,2400";

	/** The sample's limit of {@code process_refund}: 5 calls a minute. */
	private static final int REFUND_LIMIT = 5;

	@LocalServerPort
	private int port;

	@Test
	void aToolInShadowModeRunsPastItsLimitAndThePanelListsTheShadowedDecision() throws Exception {
		Path chromium = Chromium.require();
		for (int i = 0; i <= REFUND_LIMIT; i++) {
			SampleApi.Response refund = this.api.post("/api/tools/process_refund", "{\"query\": \"order 4711\"}");
			assertThat(refund.status()).isEqualTo(200);
			// shadow mode: the tool itself answers, also past its limit
			assertThat(refund.header("X-LLM-Guard-Fallback")).isNull();
			assertThat(refund.body()).doesNotContain("\"source\":\"fallback\"");
		}
		// the event the panel reads, in the shape the guard gives it
		RestClient http = RestClient.create("http://localhost:" + this.port);
		JsonNode events = JsonMapper.builder()
			.build()
			.readTree(http.get().uri("/actuator/llmguardevents").retrieve().body(String.class))
			.get("events");
		assertThat(events.valueStream().filter((e) -> e.get("type").asString().equals("decision")).toList())
			.singleElement()
			.satisfies((decision) -> {
				assertThat(decision.get("fields").get("decision").asString()).isEqualTo("tool_limited");
				assertThat(decision.get("fields").get("shadowed").isBoolean()).isTrue();
				assertThat(decision.get("fields").get("shadowed").asBoolean()).isTrue();
				assertThat(decision.get("fields").get("tool").asString()).isEqualTo("process_refund");
			});

		String url = "http://localhost:" + this.port + "/dashboard";
		String dom = Chromium.run(chromium, WINDOW, "--force-device-scale-factor=1", "--dump-dom", url);
		Path screenshot = Path.of("target", "dashboard-shadow.png").toAbsolutePath();
		Files.deleteIfExists(screenshot);
		Chromium.run(chromium, WINDOW, "--force-device-scale-factor=1", "--screenshot=" + screenshot, url);

		assertThat(dom).contains("data-loaded=\"true\"", "<span id=\"error\"></span>");
		String panel = panel(dom);
		assertThat(panel).contains("data-shadowed=\"1\"")
			.contains("data-shadow-scopes=\"tool process_refund\"")
			.doesNotContain("data-shadow-none")
			.contains("<span data-shadow-decision=\"tool_limited\">tool_limited 1</span>")
			.contains("<td>tool_limited</td><td>tool=process_refund</td>")
			.contains("tool 'process_refund' over 5 per PT1M");
		assertThat(screenshot).exists();
	}

	/** The shadow panel's element, from its opening tag to the next section. */
	private static String panel(String dom) {
		int start = dom.indexOf("id=\"shadow\"");
		assertThat(start).as("the dashboard has a shadow panel").isPositive();
		int end = dom.indexOf("<h2", start);
		return dom.substring(dom.lastIndexOf('<', start), (end > 0) ? end : dom.length());
	}

}

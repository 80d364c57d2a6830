package dev.llmguard.test.simulator;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static dev.llmguard.test.simulator.SimulatorHttp.O200K;
import static dev.llmguard.test.simulator.SimulatorHttp.json;
import static dev.llmguard.test.simulator.SimulatorHttp.promptTokens;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class FailureAndStatsTests {

	private ProviderSimulator simulator;

	private SimulatorHttp http;

	private void start(ProviderSimulator.Builder builder) {
		this.simulator = builder.clock(new ManualClock()).build().start();
		this.http = new SimulatorHttp(this.simulator);
	}

	@AfterEach
	void stop() {
		this.simulator.stop();
	}

	@Test
	void failsEveryRequestWithATransientServerErrorAtFailureRateOne() {
		start(ProviderSimulator.builder().failureRate(1.0));
		List<Integer> statuses = new ArrayList<>();
		for (int i = 0; i < 30; i++) {
			HttpResponse<String> response = this.http.chat("gpt-4o", "Hi");
			statuses.add(response.statusCode());
			assertThat(json(response).at("/error/type").stringValue()).isEqualTo("server_error");
		}

		assertThat(statuses).isSubsetOf(500, 503, 529).contains(500, 503, 529);
		assertThat(this.simulator.stats()).isEqualTo(new SimulatorStats(30, 0, 0, 30, 0, 0));
	}

	@Test
	void failsBeforeReadingTheRequest() {
		start(ProviderSimulator.builder().failureRate(1.0));

		assertThat(this.http.post("/v1/chat/completions", "not json").statusCode()).isIn(500, 503, 529);
	}

	@Test
	void drawsTheSameFailuresFromTheSameSeed() {
		start(ProviderSimulator.builder().failureRate(0.5).seed(7));
		List<Integer> first = statuses(40);
		this.simulator.reset();
		List<Integer> second = statuses(40);

		assertThat(second).isEqualTo(first);
		assertThat(first).contains(200).containsAnyOf(500, 503, 529);
	}

	private List<Integer> statuses(int count) {
		List<Integer> statuses = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			statuses.add(this.http.chat("gpt-4o", "Hi").statusCode());
		}
		return statuses;
	}

	@Test
	void failsTheNextRequestsWhenForced() {
		start(ProviderSimulator.builder());
		this.simulator.failNextRequests(2, 503);

		assertThat(this.http.chat("gpt-4o", "Hi").statusCode()).isEqualTo(503);
		assertThat(this.http.chat("gpt-4o", "Hi").statusCode()).isEqualTo(503);
		assertThat(this.http.chat("gpt-4o", "Hi").statusCode()).isEqualTo(200);
		assertThatIllegalArgumentException().isThrownBy(() -> this.simulator.failNextRequests(1, 429))
			.withMessageContaining("500-599");
	}

	@Test
	void servesStatsAsJsonAndResetsThem() {
		start(ProviderSimulator.builder().requestsPerMinute(2));
		this.http.chat("gpt-4o", "Hi");
		this.http.chat("gpt-4o", "Hi");
		this.http.chat("gpt-4o", "Hi");
		this.http.post("/v1/chat/completions", "{");
		int prompt = promptTokens(O200K, "user", "Hi");

		HttpResponse<String> stats = this.http.get("/stats");

		assertThat(stats.statusCode()).isEqualTo(200);
		JsonNode json = json(stats);
		assertThat(json.propertyNames()).containsExactly("requests", "succeeded", "rateLimited", "failed",
				"inputTokens", "outputTokens");
		assertThat(json.get("requests").longValue()).isEqualTo(4);
		assertThat(json.get("succeeded").longValue()).isEqualTo(2);
		assertThat(json.get("rateLimited").longValue()).isEqualTo(1);
		assertThat(json.get("failed").longValue()).isEqualTo(1);
		assertThat(json.get("inputTokens").longValue()).isEqualTo(2L * prompt);
		assertThat(json.get("outputTokens").longValue()).isEqualTo(80);
		assertThat(this.simulator.stats()).isEqualTo(new SimulatorStats(4, 2, 1, 1, 2L * prompt, 80));

		HttpResponse<String> reset = this.http.post("/stats/reset", "");

		assertThat(reset.statusCode()).isEqualTo(204);
		assertThat(this.simulator.stats()).isEqualTo(SimulatorStats.EMPTY);
		assertThat(json(this.http.get("/stats")).get("requests").longValue()).isZero();
		this.simulator.resetStats();
		assertThat(this.http.get("/stats/reset").statusCode()).isEqualTo(405);
	}

	@Test
	void rejectsSettingsOutOfRange() {
		assertThatIllegalArgumentException().isThrownBy(() -> SimulatorSettings.builder().failureRate(1.5).build())
			.withMessage("failureRate must be between 0 and 1 but was 1.5");
		assertThatIllegalArgumentException().isThrownBy(() -> SimulatorSettings.builder().requestsPerMinute(-1).build());
		assertThatIllegalArgumentException().isThrownBy(() -> SimulatorSettings.builder().outputTokens(0).build());
		assertThat(SimulatorSettings.builder().requestsPerMinute((Long) null).build().limitsRequests()).isFalse();
		this.simulator = ProviderSimulator.builder().build();
	}

}

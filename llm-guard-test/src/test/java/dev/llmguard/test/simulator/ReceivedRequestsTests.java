package dev.llmguard.test.simulator;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/** The simulator keeps the last requests it received, on every path, for tests to inspect. */
class ReceivedRequestsTests {

	private static ProviderSimulator simulator;

	private static SimulatorHttp http;

	@BeforeAll
	static void start() {
		simulator = ProviderSimulator.builder().clock(new ManualClock()).build().start();
		http = new SimulatorHttp(simulator);
	}

	@AfterAll
	static void stop() {
		simulator.stop();
	}

	@Test
	void keepsWhatWasSentOnEveryPathButStatsAndForgetsItOnReset() {
		simulator.reset();
		assertThatIllegalStateException().isThrownBy(simulator::lastRequest);

		http.chat("gpt-4o", "Hello");
		assertThat(http.post("/v1/embeddings?user=u1", "{\"model\":\"text-embedding-3-small\",\"input\":\"x\"}")
			.statusCode()).isEqualTo(404);
		http.get("/stats");

		assertThat(simulator.receivedRequests()).extracting(ReceivedRequest::path)
			.containsExactly("/v1/chat/completions", "/v1/embeddings");
		ReceivedRequest last = simulator.lastRequest();
		assertThat(last.method()).isEqualTo("POST");
		assertThat(last.query()).isEqualTo("user=u1");
		assertThat(last.contentType()).isEqualTo("application/json");
		assertThat(last.bodyText()).isEqualTo("{\"model\":\"text-embedding-3-small\",\"input\":\"x\"}");
		assertThat(last.toString()).doesNotContain("text-embedding");

		simulator.reset();
		assertThat(simulator.receivedRequests()).isEmpty();
	}

	@Test
	void keepsTheLastHundredRequests() {
		simulator.reset();
		for (int i = 0; i < 105; i++) {
			http.post("/v1/files", "{\"n\":" + i + "}");
		}

		assertThat(simulator.receivedRequests()).hasSize(100);
		assertThat(simulator.receivedRequests().get(0).bodyText()).isEqualTo("{\"n\":5}");
		assertThat(simulator.lastRequest().bodyText()).isEqualTo("{\"n\":104}");
	}

}

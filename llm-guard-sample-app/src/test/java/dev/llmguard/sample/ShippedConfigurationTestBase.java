package dev.llmguard.sample;

import java.time.Duration;

import dev.llmguard.core.time.ManualGuardClock;
import dev.llmguard.test.simulator.ProviderSimulator;
import org.junit.jupiter.api.BeforeEach;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sample with its shipped {@code application.yml}, against the provider simulator it starts, with
 * the guard on a clock the tests move. Subclasses that add no properties share one application
 * context; each context starts its simulator on a port of its own.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
@Import(ManualClockConfiguration.class)
abstract class ShippedConfigurationTestBase {

	@DynamicPropertySource
	static void simulator(DynamicPropertyRegistry registry) {
		int port = SampleApi.freePort();
		registry.add("sample.simulator.port", () -> port);
		// only the guard limits here: the simulator's own windows run on real time
		registry.add("sample.simulator.requests-per-minute", () -> 0);
		registry.add("sample.simulator.tokens-per-minute", () -> 0);
		registry.add("sample.simulator.latency", () -> "0s");
	}

	@LocalServerPort
	private int port;

	@Autowired
	protected ProviderSimulator simulator;

	@Autowired
	protected ManualGuardClock clock;

	protected SampleApi api;

	@BeforeEach
	void freshMinute() {
		this.api = new SampleApi(this.port);
		this.simulator.reset();
		// buckets refill and cooldowns (30 s) end; daily budgets keep counting, so each test has its own tenant
		this.clock.advance(Duration.ofMinutes(2));
	}

	/**
	 * Checks a batch report: every document completed or skipped, the completed ones answered by the
	 * simulator, each skip for the given reason.
	 * @return how many were skipped
	 */
	protected int assertBatchReport(SampleApi.Response response, int documents, String reason) {
		assertThat(response.status()).isEqualTo(200);
		JsonNode report = response.json();
		int completed = report.get("completed").asInt();
		int skipped = report.get("skipped").asInt();
		assertThat(completed).isPositive().isEqualTo((int) this.simulator.stats().succeeded());
		assertThat(skipped).isPositive();
		assertThat(completed + skipped).isEqualTo(documents);
		assertThat(report.get("reasons").valueStream().map(JsonNode::asString)).hasSize(skipped).containsOnly(reason);
		return skipped;
	}

}

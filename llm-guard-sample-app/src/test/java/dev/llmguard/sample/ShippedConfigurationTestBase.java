package dev.llmguard.sample;

import java.time.Duration;

import dev.llmguard.core.ManualGuardClock;
import dev.llmguard.test.simulator.ProviderSimulator;
import org.junit.jupiter.api.BeforeEach;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The sample with its shipped {@code application.yml}, against the provider simulator it starts, with
 * the guard on a clock the tests move. Subclasses share one application context.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
@Import(ManualClockConfiguration.class)
abstract class ShippedConfigurationTestBase {

	private static final int SIMULATOR_PORT = SampleApi.freePort();

	@DynamicPropertySource
	static void simulator(DynamicPropertyRegistry registry) {
		registry.add("sample.simulator.port", () -> SIMULATOR_PORT);
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

}

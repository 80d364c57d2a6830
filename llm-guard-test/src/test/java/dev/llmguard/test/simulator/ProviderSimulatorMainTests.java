package dev.llmguard.test.simulator;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class ProviderSimulatorMainTests {

	@Test
	void readsEveryOption() {
		ProviderSimulator simulator = ProviderSimulatorMain.parse("--port=0", "--requests-per-minute=60",
				"--tokens-per-minute=1000", "--latency=200ms", "--chunk-delay=1s", "--failure-rate=0.1",
				"--output-tokens=12", "--context-window=4096", "--seed=3", "--threads=4",
				"--rate-limiting=sliding-window");

		assertThat(simulator.settings()).isEqualTo(new SimulatorSettings(60, 1000, Duration.ofMillis(200),
				Duration.ofSeconds(1), 0.1, 12, 4096, 3, RateLimiting.SLIDING_WINDOW));
		assertThat(ProviderSimulatorMain.parse("--port=0").settings().rateLimiting())
			.isEqualTo(RateLimiting.TOKEN_BUCKET);
	}

	@Test
	void printsTheUrlOnceStarted() {
		try (ProviderSimulator simulator = ProviderSimulatorMain.parse("--port=0").start()) {
			ByteArrayOutputStream out = new ByteArrayOutputStream();
			ProviderSimulatorMain.printStarted(simulator, new PrintStream(out, true, StandardCharsets.UTF_8));

			assertThat(out.toString(StandardCharsets.UTF_8))
				.startsWith("Provider simulator listening on http://127.0.0.1:" + simulator.port())
				.contains("OpenAI base URL:    http://127.0.0.1:" + simulator.port() + "/v1");
		}
	}

	@Test
	void answersHelpWithNoSimulator() {
		assertThat(ProviderSimulatorMain.parse("--help")).isNull();
	}

	@Test
	void rejectsUnknownOptionsAndBadValues() {
		assertThatIllegalArgumentException().isThrownBy(() -> ProviderSimulatorMain.parse("--colour=blue"))
			.withMessage("Unknown option --colour");
		assertThatIllegalArgumentException().isThrownBy(() -> ProviderSimulatorMain.parse("--port=eighty"))
			.withMessage("Option --port needs a number but was 'eighty'");
		assertThatIllegalArgumentException().isThrownBy(() -> ProviderSimulatorMain.parse("--latency=soon"))
			.withMessageContaining("is not a duration");
		assertThatIllegalArgumentException().isThrownBy(() -> ProviderSimulatorMain.parse("--failure-rate=2"))
			.withMessageContaining("failureRate");
		assertThatIllegalArgumentException().isThrownBy(() -> ProviderSimulatorMain.parse("port"));
		assertThatIllegalArgumentException()
			.isThrownBy(() -> ProviderSimulatorMain.parse("--rate-limiting=fixed-window"))
			.withMessage("Option --rate-limiting must be token-bucket or sliding-window but was 'fixed-window'");
	}

	@Test
	void readsDurationsInSeveralForms() {
		assertThat(ProviderSimulatorMain.parseDuration("250ms")).isEqualTo(Duration.ofMillis(250));
		assertThat(ProviderSimulatorMain.parseDuration("1.5s")).isEqualTo(Duration.ofMillis(1500));
		assertThat(ProviderSimulatorMain.parseDuration("2m")).isEqualTo(Duration.ofMinutes(2));
		assertThat(ProviderSimulatorMain.parseDuration("PT0.2S")).isEqualTo(Duration.ofMillis(200));
		assertThat(ProviderSimulatorMain.parseDuration("75")).isEqualTo(Duration.ofMillis(75));
	}

}

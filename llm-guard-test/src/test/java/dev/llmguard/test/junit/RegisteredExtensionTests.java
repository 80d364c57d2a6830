package dev.llmguard.test.junit;

import java.time.Duration;

import dev.llmguard.test.simulator.ManualClock;
import dev.llmguard.test.simulator.ProviderSimulator;
import dev.llmguard.test.simulator.SimulatorStats;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

class RegisteredExtensionTests {

	static final ManualClock clock = new ManualClock();

	@RegisterExtension
	static ProviderSimulatorExtension simulator = ProviderSimulatorExtension.builder()
		.requestsPerMinute(2)
		.clock(clock)
		.build();

	@RepeatedTest(3)
	void startsEachTestWithEmptyWindowsAndZeroCounts() {
		assertThat(simulator.stats()).isEqualTo(SimulatorStats.EMPTY);

		assertThat(ExtensionHttp.chat(simulator.openAiBaseUrl())).isEqualTo(200);
		assertThat(ExtensionHttp.chat(simulator.openAiBaseUrl())).isEqualTo(200);
		assertThat(ExtensionHttp.chat(simulator.openAiBaseUrl())).isEqualTo(429);
		assertThat(simulator.stats().rateLimited()).isEqualTo(1);
	}

	@Test
	void resolvesTheSimulatorAsAParameter(ProviderSimulator resolved) {
		assertThat(resolved).isSameAs(simulator.simulator());
		assertThat(resolved.isRunning()).isTrue();
		assertThat(simulator.baseUrl()).isEqualTo("http://127.0.0.1:" + simulator.port());
	}

	@Test
	void restoresTheBuiltSettingsBeforeEachTest() {
		assertThat(simulator.simulator().settings().failureRate()).isZero();
		simulator.simulator().update((settings) -> settings.failureRate(1.0));
		simulator.simulator().rateLimitModel("gpt-4o");
		clock.advance(Duration.ofMinutes(5));
	}

	@Nested
	class InANestedClass {

		@Test
		void sharesTheOuterSimulator(ProviderSimulator resolved) {
			assertThat(resolved.isRunning()).isTrue();
			assertThat(resolved.settings().requestsPerMinute()).isEqualTo(2);
			assertThat(ExtensionHttp.chat(simulator.openAiBaseUrl())).isEqualTo(200);
		}

	}

}

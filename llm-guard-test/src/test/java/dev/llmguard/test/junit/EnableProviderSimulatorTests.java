package dev.llmguard.test.junit;

import java.time.Duration;

import dev.llmguard.test.simulator.ManualClock;
import dev.llmguard.test.simulator.ProviderSimulator;
import dev.llmguard.test.simulator.SimulatorStats;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

@EnableProviderSimulator(requestsPerMinute = 1, outputTokens = 12, manualClock = true)
class EnableProviderSimulatorTests {

	private final ProviderSimulator simulator;

	EnableProviderSimulatorTests(ProviderSimulator simulator) {
		this.simulator = simulator;
	}

	@Test
	void configuresTheSimulatorFromTheAnnotation(ProviderSimulator resolved, ManualClock clock) {
		assertThat(resolved).isSameAs(this.simulator);
		assertThat(resolved.clock()).isSameAs(clock);
		assertThat(resolved.settings().outputTokens()).isEqualTo(12);
		assertThat(resolved.stats()).isEqualTo(SimulatorStats.EMPTY);

		assertThat(ExtensionHttp.chat(resolved.openAiBaseUrl())).isEqualTo(200);
		assertThat(ExtensionHttp.chat(resolved.openAiBaseUrl())).isEqualTo(429);
		clock.advance(Duration.ofMinutes(1));
		assertThat(ExtensionHttp.chat(resolved.openAiBaseUrl())).isEqualTo(200);
		assertThat(resolved.stats().outputTokens()).isEqualTo(24);
	}

	@Test
	void resetsTheWindowsBeforeEachTest(ProviderSimulator resolved) {
		assertThat(ExtensionHttp.chat(resolved.openAiBaseUrl())).isEqualTo(200);
	}

	@Nested
	class InANestedClass {

		@Test
		void resolvesTheSameSimulator(ProviderSimulator resolved) {
			assertThat(resolved).isSameAs(EnableProviderSimulatorTests.this.simulator);
			assertThat(resolved.isRunning()).isTrue();
		}

	}

}

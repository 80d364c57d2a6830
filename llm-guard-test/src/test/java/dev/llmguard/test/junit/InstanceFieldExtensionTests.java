package dev.llmguard.test.junit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

class InstanceFieldExtensionTests {

	@RegisterExtension
	final ProviderSimulatorExtension simulator = ProviderSimulatorExtension.builder().failureRate(1.0).build();

	@Test
	void runsTheSimulatorAroundEachTest() {
		assertThat(this.simulator.simulator().isRunning()).isTrue();
		assertThat(ExtensionHttp.chat(this.simulator.openAiBaseUrl())).isIn(500, 503, 529);
	}

}

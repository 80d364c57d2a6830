package dev.llmguard.metrics;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import dev.llmguard.actuate.ObserveFixtures;
import dev.llmguard.core.LlmGuardEngine;
import dev.llmguard.core.model.Usage;

import static org.assertj.core.api.Assertions.assertThat;

class GuardStateMetricsTests {

	private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

	private final LlmGuardEngine engine = ObserveFixtures.engine(ObserveFixtures.clock());

	@Test
	void gaugesTheShareOfEachGlobalBudgetOnly() throws Throwable {
		new GuardStateMetrics(this.engine).bindTo(this.registry);
		ObserveFixtures.call(this.engine, "acme", new Usage(0, 500_000)); // $5 of $50

		assertThat(this.registry.get("llm.guard.budget.used").tag("budget", "daily-spend").gauge().value())
			.isEqualTo(0.1);
		assertThat(this.registry.find("llm.guard.budget.used").tag("budget", "tenant-daily").gauge()).isNull();
	}

	@Test
	void gaugesWhatEachBucketCanGiveNow() throws Throwable {
		new GuardStateMetrics(this.engine).bindTo(this.registry);
		ObserveFixtures.call(this.engine, "acme", new Usage(1000, 200));

		assertThat(bucket("requests-per-minute")).isEqualTo(399);
		assertThat(bucket("tokens-per-minute")).isEqualTo(160_000 - 1200);
		assertThat(bucket("gpt-4o-mini/requests-per-minute")).isEqualTo(80);
	}

	private double bucket(String limit) {
		return this.registry.get("llm.guard.bucket.available").tags("provider", "openai", "limit", limit).gauge().value();
	}

}

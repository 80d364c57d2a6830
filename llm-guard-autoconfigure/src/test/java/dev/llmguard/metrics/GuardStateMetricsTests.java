package dev.llmguard.metrics;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import dev.llmguard.actuate.ObserveFixtures;
import dev.llmguard.core.LlmGuardEngine;
import dev.llmguard.core.event.GuardEvent;
import dev.llmguard.core.model.Usage;
import dev.llmguard.core.time.ManualGuardClock;

import static org.assertj.core.api.Assertions.assertThat;

class GuardStateMetricsTests {

	private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

	private final ManualGuardClock clock = ObserveFixtures.clock();

	private final List<GuardEvent> events = new CopyOnWriteArrayList<>();

	private final LlmGuardEngine engine = ObserveFixtures.engine(this.clock, this.events::add);

	@Test
	void gaugesTheShareOfEachGlobalBudgetOnly() throws Throwable {
		new GuardStateMetrics(this.engine).bindTo(this.registry);
		ObserveFixtures.call(this.engine, "acme", new Usage(0, 500_000)); // $5 of $50

		assertThat(this.registry.get("llm.guard.budget.used").tag("budget", "daily-spend").gauge().value())
			.isEqualTo(0.1);
		assertThat(this.registry.find("llm.guard.budget.used").tag("budget", "tenant-daily").gauge()).isNull();
	}

	@Test
	void gaugesTheForecastOfEachGlobalBudgetOnly() throws Throwable {
		new GuardStateMetrics(this.engine).bindTo(this.registry);
		// nothing spent since midnight: at that rate it never runs out
		assertThat(forecast("llm.guard.budget.forecast.exhaustion")).isEqualTo(Double.POSITIVE_INFINITY);

		// $1 a minute from 10:01 to 10:30: $30 of $50 spent, $60 an hour
		for (int minute = 1; minute <= 30; minute++) {
			this.clock.advance(Duration.ofMinutes(1));
			ObserveFixtures.call(this.engine, null, new Usage(0, 100_000));
		}

		// $20 left: 20 minutes
		assertThat(forecast("llm.guard.budget.forecast.exhaustion")).isEqualTo(1200);
		// $30 + 13.5 hours at $60
		assertThat(forecast("llm.guard.budget.forecast.spend")).isEqualTo(840);
		assertThat(forecast("llm.guard.budget.forecast.used")).isEqualTo(16.8);
		assertThat(this.registry.find("llm.guard.budget.forecast.used").tag("budget", "tenant-daily").gauge()).isNull();
		assertThat(this.events).filteredOn(GuardEvent.BudgetForecast.class::isInstance)
			.singleElement()
			.satisfies((event) -> assertThat(event.type()).isEqualTo("budget-forecast"));

		// the spend stops: an hour later it never runs out
		this.clock.advance(Duration.ofHours(1));
		assertThat(forecast("llm.guard.budget.forecast.exhaustion")).isEqualTo(Double.POSITIVE_INFINITY);
		assertThat(forecast("llm.guard.budget.forecast.spend")).isEqualTo(30);
	}

	private double forecast(String name) {
		return this.registry.get(name).tag("budget", "daily-spend").gauge().value();
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

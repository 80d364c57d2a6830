package dev.llmguard.actuate;

import java.net.ConnectException;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

import dev.llmguard.core.LlmGuardEngine;
import dev.llmguard.core.model.Usage;

import static org.assertj.core.api.Assertions.assertThat;

class LlmGuardHealthIndicatorTests {

	private final LlmGuardEngine engine = ObserveFixtures.engine(ObserveFixtures.clock());

	@Test
	void upWithTheBackendAndNoBudgetPastItsWarnAt() {
		Health health = new LlmGuardHealthIndicator(this.engine, BackendHealth.memory()).health();

		assertThat(health.getStatus()).isEqualTo(Status.UP);
		assertThat(health.getDetails()).containsEntry("backend", "memory").containsEntry("budgetsPastWarnAt", Map.of());
	}

	@Test
	void listsGlobalBudgetsPastTheirWarnAtAndStaysUp() throws Throwable {
		// $41 of the $50 daily budget: 4.1M output tokens of gpt-4o at $10 per million
		ObserveFixtures.call(this.engine, null, new Usage(0, 4_100_000));

		Health health = new LlmGuardHealthIndicator(this.engine, BackendHealth.memory()).health();

		assertThat(health.getStatus()).isEqualTo(Status.UP);
		assertThat(health.getDetails()).containsEntry("budgetsPastWarnAt",
				Map.of("daily-spend", Map.of("usedShare", 0.82, "warnAt", 0.8)));
	}

	@Test
	void downWhenTheBackendCannotBeReached() {
		BackendHealth redis = new BackendHealth() {

			@Override
			public String backend() {
				return "redis";
			}

			@Override
			public Map<String, Object> check() throws Exception {
				throw new ConnectException("Connection refused: localhost/127.0.0.1:6379");
			}

		};

		Health health = new LlmGuardHealthIndicator(this.engine, redis).health();

		assertThat(health.getStatus()).isEqualTo(Status.DOWN);
		assertThat(health.getDetails()).containsEntry("backend", "redis")
			.containsEntry("error", "java.net.ConnectException: Connection refused: localhost/127.0.0.1:6379");
	}

	@Test
	void showsWhatTheBackendReports() {
		BackendHealth redis = new BackendHealth() {

			@Override
			public String backend() {
				return "redis";
			}

			@Override
			public Map<String, Object> check() {
				return Map.of("version", "7.2.4");
			}

		};

		Health health = new LlmGuardHealthIndicator(this.engine, redis).health();

		assertThat(health.getStatus()).isEqualTo(Status.UP);
		assertThat(health.getDetails()).containsEntry("backend", "redis").containsEntry("version", "7.2.4");
	}

}

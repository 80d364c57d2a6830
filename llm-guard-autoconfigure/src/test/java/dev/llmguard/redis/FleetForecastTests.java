package dev.llmguard.redis;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.llmguard.core.CallRequest;
import dev.llmguard.core.FallbackResponseMapper;
import dev.llmguard.core.LlmGuardEngine;
import dev.llmguard.core.budget.BudgetForecast;
import dev.llmguard.core.config.BudgetPeriod;
import dev.llmguard.core.config.BudgetScope;
import dev.llmguard.core.config.GuardSettings;
import dev.llmguard.core.event.GuardEvent;
import dev.llmguard.core.model.Money;
import dev.llmguard.core.time.ManualGuardClock;
import dev.llmguard.test.redis.RedisServerExtension;

import static dev.llmguard.redis.RedisTestSupport.GPT_4O;
import static org.assertj.core.api.Assertions.assertThat;

/** With the Redis backend a budget's forecast is the fleet's spend, and its event is raised once by the fleet. */
class FleetForecastTests {

	@RegisterExtension
	static final RedisServerExtension redis = new RedisServerExtension();

	private final ManualGuardClock clock = new ManualGuardClock(RedisTestSupport.START);

	@BeforeEach
	void flush() {
		try (RedisTestSupport.Inspector inspector = new RedisTestSupport.Inspector(redis.port())) {
			inspector.redis().flushall();
		}
	}

	@Test
	void eachInstanceForecastsTheFleetsSpendAndOneOfThemRaisesTheEvent() {
		GuardSettings settings = GuardSettings.builder()
			.headroom(1.0)
			.provider(RedisTestSupport.openai(RedisTestSupport.limits(null, null), RedisTestSupport.model(GPT_4O, null)))
			.budget(RedisTestSupport.costBudget("daily-spend", BudgetScope.GLOBAL, BudgetPeriod.DAY, "100"))
			.build();
		ApplicationContextRunner runner = GuardInstances.runner(redis.port(), "fleet-forecast", "fail-closed", settings,
				this.clock);
		runner.run((first) -> runner.run((second) -> {
			LlmGuardEngine[] engines = { first.getBean(LlmGuardEngine.class), second.getBean(LlmGuardEngine.class) };
			List<GuardEvent.BudgetForecast> raised = new CopyOnWriteArrayList<>();
			for (LlmGuardEngine engine : engines) {
				engine.addListener((event) -> {
					if (event instanceof GuardEvent.BudgetForecast forecast) {
						raised.add(forecast);
					}
				});
			}
			// 20 cents a minute, made by the first instance only; the second only reads its gauges every minute
			for (int minute = 1; minute <= 60; minute++) {
				this.clock.advance(Duration.ofMinutes(1));
				engines[0].execute(request(), (context) -> {
					context.recordUsage(0, 20_000); // 20,000 output tokens of gpt-4o: $0.20
					return "answer";
				}, FallbackResponseMapper.none());
				engines[1].budgets().forecast("daily-spend", null);
			}

			BudgetForecast seenBySecond = engines[1].budgets().forecast("daily-spend", null);
			assertThat(seenBySecond.window()).isEqualTo(Duration.ofMinutes(30));
			assertThat(seenBySecond.costNanosPerHour()).isEqualTo(Money.fromUsd(new BigDecimal("12")));
			assertThat(seenBySecond.exhaustsAt()).isEqualTo(RedisTestSupport.START.plus(Duration.ofMinutes(60 + 440)));
			assertThat(engines[0].budgets().forecast("daily-spend", null).exhaustsAt())
				.isEqualTo(seenBySecond.exhaustsAt());
			assertThat(raised).hasSize(1);
		}));
	}

	private static CallRequest request() {
		return CallRequest.builder()
			.model(GPT_4O)
			.estimatedInputTokens(0L)
			.maxOutputTokens(20_000)
			.maxWait(Duration.ZERO)
			.build();
	}

}

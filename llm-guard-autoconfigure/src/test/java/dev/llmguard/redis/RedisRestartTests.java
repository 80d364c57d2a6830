package dev.llmguard.redis;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.llmguard.core.FallbackResponseMapper;
import dev.llmguard.core.LlmGuardEngine;
import dev.llmguard.core.budget.BudgetUsage;
import dev.llmguard.core.config.BudgetPeriod;
import dev.llmguard.core.config.BudgetScope;
import dev.llmguard.core.config.GuardSettings;
import dev.llmguard.core.time.ManualGuardClock;
import dev.llmguard.test.redis.RedisServerExtension;

import static dev.llmguard.redis.RedisTestSupport.GPT_4O;
import static org.assertj.core.api.Assertions.assertThat;

/** Spending lives in Redis, not in the application: it survives the application's restart. */
class RedisRestartTests {

	@RegisterExtension
	static final RedisServerExtension redis = new RedisServerExtension();

	private final ManualGuardClock clock = new ManualGuardClock(RedisTestSupport.START);

	@Test
	void spendingSurvivesAnApplicationRestart() {
		GuardSettings settings = GuardSettings.builder()
			.provider(RedisTestSupport.openai(RedisTestSupport.limits(1_000L, null), RedisTestSupport.model(GPT_4O, null)))
			.budget(RedisTestSupport.costBudget("monthly-spend", BudgetScope.GLOBAL, BudgetPeriod.MONTH, "10.00"))
			.budget(RedisTestSupport.tokenBudget("tenant-tokens", BudgetScope.TENANT, BudgetPeriod.NONE, 1_000))
			.build();
		ApplicationContextRunner runner = GuardInstances.runner(redis.port(), "restart", "fail-closed", settings,
				this.clock);
		BudgetUsage[] before = new BudgetUsage[2];
		runner.run((context) -> {
			LlmGuardEngine engine = context.getBean(LlmGuardEngine.class);
			for (int i = 0; i < 3; i++) {
				engine.execute(SharedLimitsTests.request("acme"), (call) -> {
					call.recordUsage(100, 200);
					return "answer";
				}, FallbackResponseMapper.none());
			}
			before[0] = engine.budgets().usage("monthly-spend", null);
			before[1] = engine.budgets().usage("tenant-tokens", "acme");
		});
		assertThat(before[0].spentCostNanos()).isPositive();
		assertThat(before[1].spentTokens()).isEqualTo(900);

		runner.run((context) -> {
			LlmGuardEngine engine = context.getBean(LlmGuardEngine.class);
			assertThat(engine.budgets().usage("monthly-spend", null)).isEqualTo(before[0]);
			assertThat(engine.budgets().usage("tenant-tokens", "acme")).isEqualTo(before[1]);
		});
	}

}

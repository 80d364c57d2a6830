package dev.llmguard.redis;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.llmguard.autoconfigure.LlmGuardRuntimeLimitsAutoConfiguration;
import dev.llmguard.core.LlmGuardEngine;
import dev.llmguard.core.ToolLimitExceededException;
import dev.llmguard.core.change.RuntimeLimits;
import dev.llmguard.core.config.BudgetPeriod;
import dev.llmguard.core.config.BudgetScope;
import dev.llmguard.core.config.GuardSettings;
import dev.llmguard.core.config.ToolSpec;
import dev.llmguard.core.event.DecisionCounts;
import dev.llmguard.core.event.GuardEvent;
import dev.llmguard.core.limit.LimitSnapshot;
import dev.llmguard.core.time.ManualGuardClock;
import dev.llmguard.test.redis.RedisServerExtension;

import static dev.llmguard.redis.RedisTestSupport.GPT_4O;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * With the Redis backend, a limit or a mode changed at runtime on one instance reaches every instance,
 * also one started later, and keeps what the shared bucket used; a reset returns all of them to the configured
 * values. The poll is left to the test ({@code refresh()}, the poller's step), so nothing waits.
 */
class SharedRuntimeLimitsTests {

	@RegisterExtension
	static final RedisServerExtension redis = new RedisServerExtension();

	private final ManualGuardClock clock = new ManualGuardClock(RedisTestSupport.START);

	private final GuardSettings settings = GuardSettings.builder()
		.headroom(1.0)
		.provider(RedisTestSupport.openai(RedisTestSupport.limits(100L, null),
				RedisTestSupport.model(GPT_4O, RedisTestSupport.limits(null, null))))
		.budget(RedisTestSupport.tokenBudget("daily", BudgetScope.GLOBAL, BudgetPeriod.DAY, 10_000))
		.tool(new ToolSpec("search", 10, Duration.ofMinutes(1), null))
		.build();

	private final ApplicationContextRunner runner = GuardInstances
		.runner(redis.port(), "runtime", "fail-closed", this.settings, this.clock)
		.withConfiguration(AutoConfigurations.of(LlmGuardRuntimeLimitsAutoConfiguration.class))
		.withPropertyValues("llm.guard.redis.limits-refresh=1h");

	@BeforeEach
	void flush() {
		try (RedisTestSupport.Inspector inspector = new RedisTestSupport.Inspector(redis.port())) {
			inspector.redis().flushall();
		}
	}

	@Test
	void aChangeReachesEveryInstanceAndAResetReturnsThemAll() {
		this.runner.run((first) -> this.runner.run((second) -> {
			LlmGuardEngine one = first.getBean(LlmGuardEngine.class);
			LlmGuardEngine two = second.getBean(LlmGuardEngine.class);
			List<GuardEvent> secondEvents = new CopyOnWriteArrayList<>();
			two.addListener(secondEvents::add);
			for (int i = 0; i < 30; i++) {
				one.limiters().acquireRequest(GPT_4O, 5, Duration.ZERO);
			}

			first.getBean(RuntimeLimits.class)
				.change(Map.of("providers.openai.requests-per-minute", "200", "budgets.daily.max-tokens", "5000",
						"tools.search.limit", "20"), "ops");
			second.getBean(RuntimeLimits.class).refresh();

			// buckets refill by Redis's clock while the test runs: a little more, never less
			assertThat(requests(one).capacity()).isEqualTo(200);
			assertThat(requests(one).available()).isBetween(170L, 175L);
			assertThat(requests(two).capacity()).isEqualTo(200);
			assertThat(requests(two).available()).isBetween(170L, 175L);
			assertThat(two.budgets().budget("daily").orElseThrow().maxTokens()).isEqualTo(5000);
			assertThat(two.tools().snapshot().get("search").limit()).isEqualTo(20);
			assertThat(secondEvents).noneMatch(GuardEvent.LimitsChanged.class::isInstance);

			// an instance started after the change runs on it from the start
			this.runner.run((third) -> {
				LlmGuardEngine three = third.getBean(LlmGuardEngine.class);
				assertThat(requests(three).capacity()).isEqualTo(200);
				assertThat(requests(three).available()).isBetween(170L, 175L);
				assertThat(three.budgets().budget("daily").orElseThrow().maxTokens()).isEqualTo(5000);

				first.getBean(RuntimeLimits.class).reset(null, "ops");
				second.getBean(RuntimeLimits.class).refresh();
				third.getBean(RuntimeLimits.class).refresh();

				for (LlmGuardEngine engine : List.of(one, two, three)) {
					assertThat(requests(engine).capacity()).isEqualTo(100);
					assertThat(requests(engine).available()).isBetween(70L, 75L);
					assertThat(engine.budgets().budget("daily").orElseThrow().maxTokens()).isEqualTo(10_000);
					assertThat(engine.tools().snapshot().get("search").limit()).isEqualTo(10);
				}
			});
			try (RedisTestSupport.Inspector inspector = new RedisTestSupport.Inspector(redis.port())) {
				assertThat(inspector.redis().hgetall("runtime:limit-overrides")).isEmpty();
			}
		}));
	}

	@Test
	void aModeChangeReachesEveryInstanceAndAResetReturnsThemAll() {
		this.runner.run((first) -> this.runner.run((second) -> {
			LlmGuardEngine one = first.getBean(LlmGuardEngine.class);
			LlmGuardEngine two = second.getBean(LlmGuardEngine.class);
			for (int i = 0; i < 10; i++) {
				assertThat(one.<String>toolFallback("search", (text) -> text)).isNull();
			}
			// the tool's bucket is shared: the second instance finds it spent too
			assertThatExceptionOfType(ToolLimitExceededException.class)
				.isThrownBy(() -> two.toolFallback("search", (text) -> text));

			first.getBean(RuntimeLimits.class).change(Map.of("tools.search.mode", "shadow"), "ops");
			second.getBean(RuntimeLimits.class).refresh();

			assertThat(two.<String>toolFallback("search", (text) -> text)).isNull();
			assertThat(two.decisions().of(DecisionCounts.Scope.TOOL, "search", true)).containsEntry("tool_limited", 1L);

			// an instance started after the change runs in it from the start
			this.runner.run((third) -> {
				LlmGuardEngine three = third.getBean(LlmGuardEngine.class);
				assertThat(three.modes().get().shadowsTool("search")).isTrue();
				assertThat(three.<String>toolFallback("search", (text) -> text)).isNull();

				first.getBean(RuntimeLimits.class).reset("tools.search", "ops");
				second.getBean(RuntimeLimits.class).refresh();
				third.getBean(RuntimeLimits.class).refresh();

				for (LlmGuardEngine engine : List.of(one, two, three)) {
					assertThat(engine.modes().get().shadowsTool("search")).isFalse();
					assertThatExceptionOfType(ToolLimitExceededException.class)
						.isThrownBy(() -> engine.toolFallback("search", (text) -> text));
				}
			});
			try (RedisTestSupport.Inspector inspector = new RedisTestSupport.Inspector(redis.port())) {
				assertThat(inspector.redis().hgetall("runtime:limit-overrides")).isEmpty();
			}
		}));
	}

	@Test
	void overridesAreKeptInOneHashUnderTheKeyPrefixUntilReset() {
		this.runner.run((first) -> {
			first.getBean(RuntimeLimits.class).change(Map.of("providers.openai.requests-per-minute", "250"), null);

			try (RedisTestSupport.Inspector inspector = new RedisTestSupport.Inspector(redis.port())) {
				assertThat(inspector.redis().hgetall("runtime:limit-overrides"))
					.containsExactly(Map.entry("providers.openai.requests-per-minute", "250"));
				assertThat(inspector.redis().ttl("runtime:limit-overrides")).isEqualTo(-1);
			}
		});
	}

	private static LimitSnapshot.BucketLevel requests(LlmGuardEngine engine) {
		return engine.limiters().snapshot("openai").limits().get("requests-per-minute");
	}

}

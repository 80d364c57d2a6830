package dev.llmguard.core.engine;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.llmguard.core.BudgetExceededException;
import dev.llmguard.core.CallRequest;
import dev.llmguard.core.change.InMemoryLimitOverrides;
import dev.llmguard.core.change.RuntimeLimits;
import dev.llmguard.core.config.BudgetPeriod;
import dev.llmguard.core.config.BudgetScope;
import dev.llmguard.core.config.BudgetSpec;
import dev.llmguard.core.config.ModelSpec;
import dev.llmguard.core.config.OnExceeded;
import dev.llmguard.core.config.RateLimits;
import dev.llmguard.core.event.GuardEvent;
import dev.llmguard.core.model.Usage;

import static dev.llmguard.core.engine.EngineFixtures.GPT_4O;
import static dev.llmguard.core.engine.EngineFixtures.MINI;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Limits changed at runtime: buckets keep what they used (Bucket4j's ADDITIVE replacement, debt when
 * lowered), budgets' caps apply from the next call, a reset returns to the configured values, every
 * change is one event with old and new values, and a bad change changes nothing. No time passes, so
 * nothing refills.
 */
class RuntimeLimitsTests {

	private static final BudgetSpec TOKENS = EngineFixtures.notShrinking(
			new BudgetSpec("daily-tokens", BudgetScope.GLOBAL, BudgetPeriod.DAY, null, 10_000L, 0.8, OnExceeded.REJECT));

	private final EngineFixtures.Guard guard = EngineFixtures.guard((s) -> {
		s.providerLimits = new RateLimits(10L, null, null, null, null, null);
		s.maxConcurrent = 8;
		s.model(new ModelSpec(MINI, null, 128_000, 4096, new RateLimits(null, 100_000L, null, null, null, null)));
		s.budget(TOKENS);
		s.tool("search", 5, Duration.ofMinutes(1), null);
	});

	private final ScriptedProvider provider = new ScriptedProvider().always(GPT_4O, new Usage(1000, 1000));

	private final InMemoryLimitOverrides overrides = new InMemoryLimitOverrides();

	private final RuntimeLimits limits = runtimeLimits(this.guard.engine, this.overrides);

	private static RuntimeLimits runtimeLimits(dev.llmguard.core.LlmGuardEngine engine, InMemoryLimitOverrides overrides) {
		return new RuntimeLimits(engine.settings(), engine.limiters(), engine.tools(), engine.budgets(), engine.modes(),
				engine.events(), engine.clock(), overrides);
	}

	private void call() throws Throwable {
		this.guard.engine.execute(
				CallRequest.builder().model(GPT_4O).estimatedInputTokens(1000L).maxOutputTokens(1000).build(),
				this.provider, (text) -> text);
	}

	@Test
	void raisedLimitKeepsWhatTheBucketUsed() throws Throwable {
		for (int i = 0; i < 4; i++) {
			call();
		}
		assertThat(this.guard.available("requests-per-minute")).isEqualTo(6);

		this.limits.change(Map.of("providers.openai.requests-per-minute", "20"), "ops");

		assertThat(this.guard.limits().limits().get("requests-per-minute").capacity()).isEqualTo(20);
		assertThat(this.guard.available("requests-per-minute")).isEqualTo(16);
	}

	@Test
	void loweredLimitKeepsWhatTheBucketUsedAsDebt() throws Throwable {
		for (int i = 0; i < 4; i++) {
			call();
		}

		this.limits.change(Map.of("providers.openai.requests-per-minute", "5"), "ops");
		assertThat(this.guard.available("requests-per-minute")).isEqualTo(1);
		this.limits.change(Map.of("providers.openai.requests-per-minute", "3"), "ops");
		assertThat(this.guard.available("requests-per-minute")).isEqualTo(-1);

		// ADDITIVE alone would have kept min(available, capacity) = 3 requests available
		this.guard.clock.advance(Duration.ofSeconds(20)); // refills one request of 3 per minute
		assertThat(this.guard.available("requests-per-minute")).isZero();
	}

	@Test
	void resetReturnsToTheConfiguredLimitKeepingWhatWasUsed() throws Throwable {
		this.limits.change(Map.of("providers.openai.requests-per-minute", "20"), "ops");
		for (int i = 0; i < 4; i++) {
			call();
		}

		this.limits.reset("providers.openai", "ops");

		assertThat(this.guard.limits().limits().get("requests-per-minute").capacity()).isEqualTo(10);
		assertThat(this.guard.available("requests-per-minute")).isEqualTo(6);
		assertThat(this.overrides.read()).isEmpty();
		assertThat(this.limits.settings().get("providers.openai.requests-per-minute").overridden()).isFalse();
	}

	@Test
	void everyKindOfLimitChangesAndIsOneEventWithOldAndNewValues() throws Throwable {
		this.guard.engine.tools().tryAcquire("search");
		this.guard.engine.tools().tryAcquire("search");
		Map<String, String> change = new LinkedHashMap<>();
		change.put("providers.openai.max-concurrent", "2");
		change.put("llm.guard.providers.openai.models[gpt-4o-mini].tokens-per-minute", "50000");
		change.put("budgets.daily-tokens.warn-at", "0.5");
		change.put("budgets.daily-tokens.max-cost", "12.50");
		change.put("tools.search.limit", "10");

		this.limits.change(change, "alice");

		assertThat(this.guard.limits().maxConcurrent()).isEqualTo(2);
		assertThat(this.guard.limits().modelLimits().get("gpt-4o-mini").get("tokens-per-minute").capacity())
			.isEqualTo(50_000);
		BudgetSpec budget = this.guard.engine.budgets().budget("daily-tokens").orElseThrow();
		assertThat(budget.warnAt()).isEqualTo(0.5);
		assertThat(budget.maxCost()).isEqualByComparingTo("12.5");
		assertThat(this.guard.engine.tools().snapshot().get("search").limit()).isEqualTo(10);
		assertThat(this.guard.engine.tools().snapshot().get("search").available()).isEqualTo(8);
		GuardEvent.LimitsChanged event = this.guard.events(GuardEvent.LimitsChanged.class).get(0);
		assertThat(event.principal()).isEqualTo("alice");
		assertThat(event.source()).isEqualTo("actuator");
		assertThat(event.changes()).containsExactly(
				new GuardEvent.LimitChange("providers.openai.max-concurrent", "8", "2", "8"),
				new GuardEvent.LimitChange("providers.openai.models.gpt-4o-mini.tokens-per-minute", "100000", "50000",
						"100000"),
				new GuardEvent.LimitChange("budgets.daily-tokens.warn-at", "0.8", "0.5", "0.8"),
				new GuardEvent.LimitChange("budgets.daily-tokens.max-cost", null, "12.5", null),
				new GuardEvent.LimitChange("tools.search.limit", "5", "10", "5"));

		this.limits.reset(null, "bob");

		assertThat(this.guard.limits().maxConcurrent()).isEqualTo(8);
		assertThat(this.guard.engine.budgets().budget("daily-tokens").orElseThrow()).isEqualTo(TOKENS);
		assertThat(this.guard.engine.tools().snapshot().get("search").available()).isEqualTo(3);
		GuardEvent.LimitsChanged reset = this.guard.events(GuardEvent.LimitsChanged.class).get(1);
		assertThat(reset.principal()).isEqualTo("bob");
		assertThat(reset.source()).isEqualTo("actuator-reset");
		assertThat(reset.changes()).hasSize(5);
	}

	@Test
	void loweredBudgetCapRejectsTheNextCallAndSpentNeverPassesIt() throws Throwable {
		call();
		call();
		assertThat(this.guard.budget("daily-tokens", "").spentTokens()).isEqualTo(4000);

		this.limits.change(Map.of("budgets.daily-tokens.max-tokens", "5000"), null);

		assertThatExceptionOfType(BudgetExceededException.class).isThrownBy(this::call)
			.satisfies((ex) -> assertThat(ex.getBudget()).isEqualTo("daily-tokens"));
		assertThat(this.guard.budget("daily-tokens", "").spentTokens()).isEqualTo(4000);

		this.limits.change(Map.of("budgets.daily-tokens.max-tokens", "9000"), null);
		call();
		call(); // 8,000 now; a third would reach 10,000
		assertThatExceptionOfType(BudgetExceededException.class).isThrownBy(this::call);
		assertThat(this.guard.budget("daily-tokens", "").spentTokens()).isEqualTo(8000).isLessThanOrEqualTo(9000);
		this.guard.assertNothingHeld();
	}

	@Test
	void raisedBudgetCapAdmitsTheNextCall() throws Throwable {
		for (int i = 0; i < 5; i++) {
			call();
		}
		assertThatExceptionOfType(BudgetExceededException.class).isThrownBy(this::call);

		this.limits.change(Map.of("budgets.daily-tokens.max-tokens", "12000"), null);

		call();
		assertThat(this.guard.budget("daily-tokens", "").spentTokens()).isEqualTo(12_000);
		assertThatExceptionOfType(BudgetExceededException.class).isThrownBy(this::call);
	}

	@Test
	void aBadValueChangesNothing() {
		Map<String, String> change = new LinkedHashMap<>();
		change.put("providers.openai.requests-per-minute", "20");
		change.put("budgets.daily-tokens.warn-at", "1.5");

		assertThatIllegalArgumentException().isThrownBy(() -> this.limits.change(change, null))
			.withMessage("'budgets.daily-tokens.warn-at' must be in (0, 1], was 1.5");

		assertThat(this.guard.limits().limits().get("requests-per-minute").capacity()).isEqualTo(10);
		assertThat(this.overrides.read()).isEmpty();
		assertThat(this.guard.events(GuardEvent.LimitsChanged.class)).isEmpty();
	}

	@Test
	void badSettingsAreRefusedWithWhatIsWrong() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> this.limits.change(Map.of("providers.openai.requests-per-minute", "-1"), null))
			.withMessage("'providers.openai.requests-per-minute' must be positive, was -1");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> this.limits.change(Map.of("providers.anthropic.requests-per-minute", "5"), null))
			.withMessageContaining("unknown provider 'anthropic'")
			.withMessageContaining("[openai]");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> this.limits.change(Map.of("budgets.monthly.max-cost", "5"), null))
			.withMessageContaining("unknown budget 'monthly'");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> this.limits.change(Map.of("tools.fetch.limit", "5"), null))
			.withMessageContaining("unknown tool 'fetch'");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> this.limits.change(Map.of("budgets.daily-tokens.warn-at", "0"), null))
			.withMessage("'budgets.daily-tokens.warn-at' must be in (0, 1], was 0");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> this.limits.change(Map.of("providers.openai.tokens-per-day", "5"), null))
			.withMessageContaining("is not configured");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> this.limits.change(Map.of("providers.openai.colour", "5"), null))
			.withMessageContaining("a provider's runtime limits are");
		assertThatIllegalArgumentException().isThrownBy(() -> this.limits.reset("providers.nobody", null))
			.withMessageContaining("names no setting");
		assertThat(this.overrides.read()).isEmpty();
	}

	@Test
	void anEngineStartedAfterAChangeRunsOnIt() {
		this.limits.change(Map.of("providers.openai.requests-per-minute", "20"), null);
		EngineFixtures.Guard later = new EngineFixtures.Guard(this.guard.engine.settings());

		runtimeLimits(later.engine, this.overrides);

		assertThat(later.limits().limits().get("requests-per-minute").capacity()).isEqualTo(20);
		assertThat(later.events(GuardEvent.LimitsChanged.class)).isEmpty();
	}

	@Test
	void changedConfiguredValuesApplyWhereNotOverridden() throws Throwable {
		call();
		this.limits.change(Map.of("tools.search.limit", "7"), null);
		EngineFixtures.Guard reference = EngineFixtures.guard((s) -> {
			s.providerLimits = new RateLimits(30L, null, null, null, 1000L, null);
			s.maxConcurrent = 8;
			s.model(new ModelSpec(MINI, null, 128_000, 4096, new RateLimits(null, 100_000L, null, null, null, null)));
			s.budget(TOKENS);
			s.tool("search", 9, Duration.ofMinutes(1), null);
		});

		this.limits.reconfigure(reference.engine.settings());

		assertThat(this.guard.limits().limits().get("requests-per-minute").capacity()).isEqualTo(30);
		assertThat(this.guard.available("requests-per-minute")).isEqualTo(29);
		assertThat(this.guard.limits().limits()).doesNotContainKey("requests-per-day"); // needs a restart
		assertThat(this.guard.engine.tools().snapshot().get("search").limit()).isEqualTo(7); // still overridden
		GuardEvent.LimitsChanged event = this.guard.events(GuardEvent.LimitsChanged.class).get(1);
		assertThat(event.source()).isEqualTo("environment");
		assertThat(event.changes())
			.containsExactly(new GuardEvent.LimitChange("providers.openai.requests-per-minute", "10", "30", "30"));

		this.limits.reset("tools.search.limit", null);
		assertThat(this.guard.engine.tools().snapshot().get("search").limit()).isEqualTo(9);
	}

}

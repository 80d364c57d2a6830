package dev.llmguard.core.engine;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.llmguard.core.BudgetExceededException;
import dev.llmguard.core.CallRequest;
import dev.llmguard.core.FallbackResponseMapper;
import dev.llmguard.core.ToolLimitExceededException;
import dev.llmguard.core.change.InMemoryLimitOverrides;
import dev.llmguard.core.change.RuntimeLimits;
import dev.llmguard.core.config.BudgetScope;
import dev.llmguard.core.config.GuardMode;
import dev.llmguard.core.config.OnExceeded;
import dev.llmguard.core.event.GuardEvent;
import dev.llmguard.core.LlmGuardEngine;

import static dev.llmguard.core.engine.EngineFixtures.costBudget;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * The mode changed at runtime ({@code mode}, {@code providers.<p>.mode}, {@code budgets.<b>.mode},
 * {@code tools.<t>.mode}): the next call is decided in the new mode, a reset returns to the configured
 * one, and each change is an event with the old and new values and who made it.
 */
class RuntimeModeTests {

	private final EngineFixtures.Guard guard = EngineFixtures.guard((s) -> {
		s.tool("search", 1, Duration.ofMinutes(1), null);
		s.budget(EngineFixtures.notShrinking(costBudget("tiny", BudgetScope.GLOBAL, "0.000001", OnExceeded.REJECT)));
	});

	private final ScriptedProvider provider = new ScriptedProvider();

	private final InMemoryLimitOverrides overrides = new InMemoryLimitOverrides();

	private final RuntimeLimits limits = runtimeLimits(this.guard.engine, this.overrides);

	private static RuntimeLimits runtimeLimits(LlmGuardEngine engine, InMemoryLimitOverrides overrides) {
		return new RuntimeLimits(engine.settings(), engine.limiters(), engine.tools(), engine.budgets(), engine.modes(),
				engine.events(), engine.clock(), overrides);
	}

	/** A call that names the tool. */
	private String searchCall() throws Throwable {
		return this.guard.engine.execute(CallRequest.builder().model(EngineFixtures.SMALL).tool("search").build(),
				(context) -> "searched", FallbackResponseMapper.none());
	}

	private String call() throws Throwable {
		return this.guard.engine.execute(CallRequest.builder().chain("default").build(), this.provider,
				FallbackResponseMapper.none());
	}

	@Test
	void aToolShadowedAtRuntimeRunsPastItsLimitAndIsEnforcedAgainAfterTheReset() throws Throwable {
		this.limits.change(Map.of("budgets.tiny.mode", "shadow"), null); // the budget stays out of the way
		searchCall();
		assertThatExceptionOfType(ToolLimitExceededException.class).isThrownBy(this::searchCall);

		this.limits.change(Map.of("tools.search.mode", "shadow"), "alice");

		assertThat(searchCall()).isEqualTo("searched");
		assertThat(lastDecision("tool_limited")).isEqualTo("tool_limited:true");
		GuardEvent.LimitsChanged changed = lastLimitsChanged();
		assertThat(changed.principal()).isEqualTo("alice");
		assertThat(changed.changes())
			.containsExactly(new GuardEvent.LimitChange("tools.search.mode", null, "shadow", null));
		assertThat(this.overrides.read()).containsEntry("tools.search.mode", "shadow");

		this.limits.reset("tools.search.mode", "bob");

		assertThatExceptionOfType(ToolLimitExceededException.class).isThrownBy(this::searchCall);
		assertThat(lastDecision("tool_limited")).isEqualTo("tool_limited:false");
		GuardEvent.LimitsChanged reset = lastLimitsChanged();
		assertThat(reset.principal()).isEqualTo("bob");
		assertThat(reset.changes())
			.containsExactly(new GuardEvent.LimitChange("tools.search.mode", "shadow", null, null));
		assertThat(this.guard.engine.modes().get().tools()).isEmpty();
	}

	@Test
	void theGuardsModeDecidesWhatSetsNoneAndTheMostSpecificModeStillWins() throws Throwable {
		assertThatExceptionOfType(BudgetExceededException.class).isThrownBy(this::call);

		this.limits.change(Map.of("mode", "shadow"), "alice");

		assertThat(call()).isEqualTo("gpt-4o");
		assertThat(lastDecision("budget_exceeded")).isEqualTo("budget_exceeded:true");
		assertThat(lastLimitsChanged().changes())
			.containsExactly(new GuardEvent.LimitChange("mode", "enforce", "shadow", "enforce"));

		this.limits.change(Map.of("budgets.tiny.mode", "enforce"), "alice");

		assertThatExceptionOfType(BudgetExceededException.class).isThrownBy(this::call);

		this.limits.reset(null, "bob");

		assertThat(this.guard.engine.modes().get().global()).isEqualTo(GuardMode.ENFORCE);
		assertThat(this.guard.engine.modes().get().budgets()).isEmpty();
		assertThat(lastLimitsChanged().changes()).extracting(GuardEvent.LimitChange::setting)
			.containsExactly("budgets.tiny.mode", "mode");
		assertThat(this.provider.calls()).hasSize(1);
	}

	@Test
	void aProvidersModeAppliesToItsCallsFromTheNextCall() throws Throwable {
		this.limits.change(Map.of("budgets.tiny.mode", "shadow"), null);
		this.guard.engine.cooldowns().coolDown(EngineFixtures.GPT_4O, this.guard.clock.instant().plusSeconds(60));
		assertThat(call()).isEqualTo("gpt-4o-mini"); // enforced: the cooling model is skipped

		this.limits.change(Map.of("providers.openai.mode", "SHADOW"), null);

		assertThat(call()).isEqualTo("gpt-4o"); // shadowed: called anyway
		assertThat(this.limits.settings().get("providers.openai.mode"))
			.isEqualTo(new RuntimeLimits.Value(null, "shadow", true));
	}

	@Test
	void modesAreListedWithTheirConfiguredValues() {
		assertThat(this.limits.settings()).containsEntry("mode", new RuntimeLimits.Value("enforce", "enforce", false))
			.containsEntry("providers.openai.mode", new RuntimeLimits.Value(null, null, false))
			.containsEntry("budgets.tiny.mode", new RuntimeLimits.Value(null, null, false))
			.containsEntry("tools.search.mode", new RuntimeLimits.Value(null, null, false));
	}

	@Test
	void aBadModeChangesNothingAndNamesTheSetting() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> this.limits.change(Map.of("providers.openai.mode", "off"), null))
			.withMessage("'providers.openai.mode' must be enforce or shadow, was 'off'");
		assertThatIllegalArgumentException().isThrownBy(() -> this.limits.change(Map.of("mode", ""), null))
			.withMessage("'mode' must be enforce or shadow, was ''");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> this.limits.change(Map.of("budgets.monthly.mode", "shadow"), null))
			.withMessageContaining("unknown budget 'monthly'");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> this.limits.change(Map.of("tools.fetch.mode", "shadow"), null))
			.withMessageContaining("unknown tool 'fetch'");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> this.limits.change(Map.of("providers.openai.models.gpt-4o.mode", "shadow"), null))
			.withMessageContaining("a model's runtime limits are");

		assertThat(this.guard.engine.modes().get()).isEqualTo(this.guard.engine.settings().modes());
		assertThat(this.overrides.read()).isEmpty();
		assertThat(this.guard.events(GuardEvent.LimitsChanged.class)).isEmpty();
	}

	@Test
	void anEngineStartedAfterAModeChangeRunsInIt() {
		this.limits.change(Map.of("tools.search.mode", "shadow"), null);
		EngineFixtures.Guard later = new EngineFixtures.Guard(this.guard.engine.settings());

		runtimeLimits(later.engine, this.overrides);

		assertThat(later.engine.modes().get().shadowsTool("search")).isTrue();
		assertThat(later.engine.settings().modes().shadowsTool("search")).isFalse();
	}

	/** The last decision of a kind, e.g. {@code tool_limited:true} (shadowed). */
	private String lastDecision(String kind) {
		List<GuardEvent.Decided> decided = this.guard.events(GuardEvent.Decided.class)
			.stream()
			.filter((d) -> d.decision().equals(kind))
			.toList();
		GuardEvent.Decided last = decided.get(decided.size() - 1);
		return last.decision() + ":" + last.shadowed();
	}

	private GuardEvent.LimitsChanged lastLimitsChanged() {
		List<GuardEvent.LimitsChanged> changed = this.guard.events(GuardEvent.LimitsChanged.class);
		return changed.get(changed.size() - 1);
	}

}

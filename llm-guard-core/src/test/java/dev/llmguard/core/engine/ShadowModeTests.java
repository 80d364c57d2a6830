package dev.llmguard.core.engine;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.llmguard.core.BudgetExceededException;
import dev.llmguard.core.CallRequest;
import dev.llmguard.core.FallbackResponseMapper;
import dev.llmguard.core.LlmGuardContext;
import dev.llmguard.core.config.BudgetScope;
import dev.llmguard.core.config.GuardMode;
import dev.llmguard.core.config.GuardModes;
import dev.llmguard.core.config.OnExceeded;
import dev.llmguard.core.event.DecisionCounts;
import dev.llmguard.core.event.GuardEvent;
import dev.llmguard.core.retry.ProviderResponseException;

import static dev.llmguard.core.engine.EngineFixtures.GPT_4O;
import static dev.llmguard.core.engine.EngineFixtures.SMALL;
import static dev.llmguard.core.engine.EngineFixtures.costBudget;
import static dev.llmguard.core.engine.EngineFixtures.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Shadow mode at each decision point: the call goes to the provider as made, once, and what enforcing
 * would have done is counted as a shadowed decision.
 */
class ShadowModeTests {

	private static final GuardModes SHADOW = GuardModes.of(GuardMode.SHADOW);

	private final ScriptedProvider provider = new ScriptedProvider();

	@Test
	void aLimitedToolRunsAndIsCountedAsShadowed() throws Throwable {
		EngineFixtures.Guard guard = EngineFixtures.guard((s) -> {
			s.modes = SHADOW;
			s.tool("search", 1, Duration.ofSeconds(60), null);
		});

		for (int i = 0; i < 3; i++) {
			guard.engine.execute(CallRequest.builder().chain("default").tool("search").build(), this.provider,
					FallbackResponseMapper.none());
		}

		assertThat(this.provider.calls()).hasSize(3);
		assertThat(decisions(guard)).containsExactly("tool_limited:true", "tool_limited:true");
		assertThat(guard.engine.decisions().of(DecisionCounts.Scope.TOOL, "search", true))
			.containsExactlyEntriesOf(Map.of("tool_limited", 2L));
		assertThat(guard.engine.tools().snapshot().get("search").available()).isEqualTo(-2);
	}

	@Test
	void aModelCoolingDownIsCalledAnyway() throws Throwable {
		EngineFixtures.Guard guard = EngineFixtures.guard((s) -> s.modes = SHADOW);
		guard.engine.cooldowns().coolDown(GPT_4O, guard.clock.instant().plusSeconds(60));

		String answer = guard.engine.execute(CallRequest.builder().chain("default").build(), this.provider,
				FallbackResponseMapper.none());

		assertThat(answer).isEqualTo("gpt-4o");
		assertThat(decisions(guard)).containsExactly("cooldown_skip:true");
	}

	@Test
	void aCallPastTheContextWindowIsSentAsMade() throws Throwable {
		EngineFixtures.Guard guard = EngineFixtures.guard((s) -> s.modes = SHADOW);

		guard.engine.execute(CallRequest.builder().model(SMALL).estimatedInputTokens(1500L).build(), this.provider,
				FallbackResponseMapper.none());

		assertThat(this.provider.calls()).hasSize(1);
		assertThat(decisions(guard)).containsExactly("context_window:true");
		assertThat(guard.events(GuardEvent.Rejected.class)).isEmpty();
	}

	@Test
	void aTransientFailureIsNotRetriedAndReachesTheCaller() {
		EngineFixtures.Guard guard = EngineFixtures.guard((s) -> s.modes = SHADOW);
		this.provider.on(SMALL, status(503), "answer");

		assertThatExceptionOfType(ProviderResponseException.class)
			.isThrownBy(() -> guard.engine.execute(CallRequest.builder().model(SMALL).build(), this.provider,
					FallbackResponseMapper.none()));

		assertThat(this.provider.calls()).hasSize(1);
		assertThat(decisions(guard)).containsExactly("retry:true");
		assertThat(guard.events(GuardEvent.Retried.class)).isEmpty();
		guard.assertNothingHeld();
	}

	@Test
	void theRequestIsMarkedToLeaveAsTheApplicationBuiltIt() throws Throwable {
		EngineFixtures.Guard guard = EngineFixtures.guard((s) -> s.modes = SHADOW);

		guard.engine.execute(CallRequest.builder().model(SMALL).build(), this.provider, FallbackResponseMapper.none());

		assertThat(this.provider.contexts()).extracting(LlmGuardContext::shadowed).containsExactly(true);
	}

	@Test
	void aDowngradingBudgetInShadowModeCountsTheDowngradeAndKeepsTheModel() throws Throwable {
		EngineFixtures.Guard guard = EngineFixtures.guard((s) -> {
			s.modes = SHADOW;
			s.budget(EngineFixtures.notShrinking(costBudget("tiny", BudgetScope.GLOBAL, "0.000001", OnExceeded.DOWNGRADE)));
		});

		String answer = guard.engine.execute(CallRequest.builder().chain("default").build(), this.provider,
				FallbackResponseMapper.none());

		assertThat(answer).isEqualTo("gpt-4o");
		assertThat(decisions(guard)).containsExactly("downgrade:true");
		// spend goes past the cap: the budget shows more spent than it allows
		assertThat(guard.budget("tiny", "").spentCostNanos()).isGreaterThan(1_000L);
		guard.assertNothingHeld();
	}

	@Test
	void theMostSpecificModeWinsABudgetThatEnforcesRejectsInAShadowedGuard() {
		EngineFixtures.Guard guard = EngineFixtures.guard((s) -> {
			s.modes = new GuardModes(GuardMode.SHADOW, Map.of(), Map.of("tiny", GuardMode.ENFORCE), Map.of());
			s.budget(EngineFixtures.notShrinking(costBudget("tiny", BudgetScope.GLOBAL, "0.000001", OnExceeded.DOWNGRADE)));
		});

		// the provider is shadowed, so the call never moves to another model: the budget rejects it
		assertThatExceptionOfType(BudgetExceededException.class)
			.isThrownBy(() -> guard.engine.execute(CallRequest.builder().chain("default").build(), this.provider,
					FallbackResponseMapper.none()));

		assertThat(this.provider.calls()).isEmpty();
		assertThat(decisions(guard)).containsExactly("budget_exceeded:false");
	}

	@Test
	void enforcedDecisionsAreCountedAsNotShadowed() throws Throwable {
		EngineFixtures.Guard guard = EngineFixtures.guard((s) -> s.tool("search", 1, Duration.ofSeconds(60), "{}"));

		for (int i = 0; i < 2; i++) {
			guard.engine.execute(CallRequest.builder().chain("default").tool("search").build(), this.provider,
					(text) -> text);
		}

		assertThat(this.provider.calls()).hasSize(1);
		assertThat(decisions(guard)).containsExactly("tool_limited:false");
	}

	private static List<String> decisions(EngineFixtures.Guard guard) {
		return guard.events(GuardEvent.Decided.class)
			.stream()
			.map((d) -> d.decision() + ":" + d.shadowed())
			.toList();
	}

}

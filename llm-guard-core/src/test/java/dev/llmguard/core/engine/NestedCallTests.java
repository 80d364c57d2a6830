package dev.llmguard.core.engine;

import org.junit.jupiter.api.Test;

import dev.llmguard.core.CallRequest;
import dev.llmguard.core.LlmGuard;
import dev.llmguard.core.LlmGuardContext;
import dev.llmguard.core.config.BudgetScope;
import dev.llmguard.core.config.OnExceeded;

import static dev.llmguard.core.engine.EngineFixtures.GPT_4O;
import static dev.llmguard.core.engine.EngineFixtures.costBudget;
import static dev.llmguard.core.engine.EngineFixtures.requestsPerDay;
import static org.assertj.core.api.Assertions.assertThat;

/** §3: a call is admitted exactly once, whichever entry point saw it first. */
class NestedCallTests {

	private final EngineFixtures.Guard guard = EngineFixtures.guard(s -> {
		s.providerLimits = requestsPerDay(100);
		s.budget(costBudget("daily", BudgetScope.GLOBAL, "10.00", OnExceeded.REJECT));
	});

	@Test
	void contextOfTheChosenModelIsCurrentInsideTheOperationOnly() {
		LlmGuard facade = new LlmGuard(this.guard.engine);

		String model = facade.call(facade.request().chain("default").tenant("acme").build(),
				context -> LlmGuardContext.current().model() + " for " + LlmGuardContext.current().tenant());

		assertThat(model).isEqualTo("gpt-4o for acme");
		assertThat(LlmGuardContext.isActive()).isFalse();
	}

	@Test
	void innerCallRunsOnceWithTheOuterContextAndIsAdmittedOnce() throws Throwable {
		ScriptedProvider inner = new ScriptedProvider();
		LlmGuardContext[] outerContext = new LlmGuardContext[1];

		String answer = this.guard.engine.execute(CallRequest.builder().chain("default").build(), outer -> {
			outerContext[0] = outer;
			// an inner entry point (a RestClient interceptor, say) names another model: the outer choice stands
			return this.guard.engine.execute(CallRequest.builder().model("openai/gpt-4o-mini").build(), context -> {
				context.recordUsage(1000, 500);
				return inner.call(context);
			}, text -> text);
		}, text -> text);

		assertThat(answer).isEqualTo("gpt-4o");
		assertThat(inner.contexts()).singleElement().isSameAs(outerContext[0]);
		assertThat(inner.calls()).containsExactly(GPT_4O);
		assertThat(this.guard.available("requests-per-day")).isEqualTo(99);
		assertThat(this.guard.budget("daily", "").spentCostNanos()).isEqualTo(7_500_000L);
		assertThat(this.guard.finished().model()).isEqualTo("gpt-4o");
		assertThat(LlmGuardContext.find()).isNull();
		this.guard.assertNothingHeld();
	}

}

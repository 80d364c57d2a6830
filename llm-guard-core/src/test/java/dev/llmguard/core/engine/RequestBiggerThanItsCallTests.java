package dev.llmguard.core.engine;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.llmguard.core.BudgetExceededException;
import dev.llmguard.core.CallRequest;
import dev.llmguard.core.config.BudgetScope;
import dev.llmguard.core.config.OnExceeded;
import dev.llmguard.core.model.Usage;

import static dev.llmguard.core.engine.EngineFixtures.GPT_4O;
import static dev.llmguard.core.engine.EngineFixtures.costBudget;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * An annotated method is admitted on an estimate from its arguments (a short question); the model
 * request its code sends carries more (a system prompt, the history). The request's own estimate is
 * reserved before it leaves, so a budget is never spent past its cap by what the arguments did not show.
 */
class RequestBiggerThanItsCallTests {

	/** The method's argument: about 10 tokens; the request it sends: 1,000 tokens. */
	private static final CallRequest METHOD = CallRequest.builder()
		.model(GPT_4O)
		.tenant("acme")
		.estimatedInputTokens(10L)
		.maxOutputTokens(500)
		.build();

	private static final CallRequest REQUEST = CallRequest.builder()
		.estimatedInputTokens(1000L)
		.maxOutputTokens(500)
		.build();

	private final List<Long> allowances = new ArrayList<>();

	private String callMethod(EngineFixtures.Guard guard, long billedInput) throws Throwable {
		return guard.engine.execute(METHOD, method -> guard.engine.executeRequest(REQUEST, context -> {
			this.allowances.add(context.maxOutputTokens());
			// the provider bills the whole prompt and the whole allowance
			context.recordUsage(new Usage(billedInput, context.maxOutputTokens()));
			return "answer";
		}, text -> text), text -> text);
	}

	@Test
	void aBudgetNeverPaysForMoreThanItReservedWhenTheRequestIsBiggerThanTheArguments() throws Throwable {
		// 1,000 in + 500 out on gpt-4o = $0.0075; the arguments' estimate would have reserved $0.005025
		EngineFixtures.Guard guard = EngineFixtures.guard(s -> s
			.budget(costBudget("tenant-cap", BudgetScope.TENANT, "0.007", OnExceeded.REJECT)));

		callMethod(guard, 1000);

		// $0.007 affords 1,000 in and 450 out: the request left with 450, and the budget is not overspent
		assertThat(this.allowances).containsExactly(450L);
		assertThat(guard.budget("tenant-cap", "acme").spentCostNanos()).isEqualTo(7_000_000L);
		guard.assertNothingHeld();
	}

	@Test
	void aBudgetThatCannotAffordTheRequestRefusesItAndHoldsNothing() {
		EngineFixtures.Guard guard = EngineFixtures.guard(s -> s
			.budget(costBudget("tenant-cap", BudgetScope.TENANT, "0.005", OnExceeded.REJECT)));

		// $0.005 affords the arguments' worst case ($0.005025 is over, 497 out fits) but not 1,000 in + 256 out
		assertThatExceptionOfType(BudgetExceededException.class).isThrownBy(() -> callMethod(guard, 1000));

		assertThat(this.allowances).isEmpty();
		assertThat(guard.budget("tenant-cap", "acme").spentCostNanos()).isZero();
		guard.assertNothingHeld();
	}

}

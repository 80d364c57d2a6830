package dev.llmguard.core.engine;

import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.llmguard.core.BudgetExceededException;
import dev.llmguard.core.CallRequest;
import dev.llmguard.core.config.BudgetScope;
import dev.llmguard.core.config.OnExceeded;
import dev.llmguard.core.event.GuardEvent;
import dev.llmguard.core.model.Usage;
import dev.llmguard.core.retry.ProviderResponseException;

import static dev.llmguard.core.engine.EngineFixtures.GPT_4O;
import static dev.llmguard.core.engine.EngineFixtures.MINI;
import static dev.llmguard.core.engine.EngineFixtures.costBudget;
import static dev.llmguard.core.engine.EngineFixtures.notShrinking;
import static dev.llmguard.core.engine.EngineFixtures.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * §3 steps 2.2 and 2.5: budgets reserve the worst case, reject or downgrade, and settle to the exact
 * price of the usage; a reservation is always committed or released.
 */
class BudgetTests {

	private final EngineFixtures.Guard guard = EngineFixtures.guard(s -> s
		.budget(costBudget("daily", BudgetScope.GLOBAL, "10.00", OnExceeded.REJECT))
		.budget(costBudget("tenant-cap", BudgetScope.TENANT, "0.01", OnExceeded.REJECT))
		.budget(costBudget("tenant-downgrade", BudgetScope.TENANT, "0.01", OnExceeded.DOWNGRADE)));

	private final ScriptedProvider provider = new ScriptedProvider();

	/** gpt-4o worst case at 2.50/10.00: 1,000 in + {@code maxOut} out. */
	private static CallRequest request(String tenant, int maxOut) {
		return CallRequest.builder()
			.chain("default")
			.tenant(tenant)
			.estimatedInputTokens(1000L)
			.maxOutputTokens(maxOut)
			.build();
	}

	private String call(CallRequest request) throws Throwable {
		return this.guard.engine.execute(request, this.provider, text -> text);
	}

	@Test
	void spentIsThePriceOfTheRecordedUsageExactly() throws Throwable {
		this.provider.on(GPT_4O, new Usage(1000, 500));

		call(CallRequest.builder().model(GPT_4O).estimatedInputTokens(1000L).maxOutputTokens(2000).build());

		// gpt-4o 2.50 / 10.00 per 1M: 1,000 in + 500 out = $0.0025 + $0.005 = $0.0075
		assertThat(this.guard.budget("daily", "").spentCostNanos()).isEqualTo(7_500_000L);
		assertThat(this.guard.budget("daily", "").spentTokens()).isEqualTo(1500);
		assertThat(this.guard.finished().costNanos()).isEqualTo(7_500_000L);
		assertThat(this.guard.finished().usageEstimated()).isFalse();
		this.guard.assertNothingHeld();
	}

	@Test
	void rejectingBudgetFailsTheCallWithItsNumbers() throws Throwable {
		// worst case $0.0045 each; two fit in $0.01, a third would reach $0.0135
		this.provider.always(GPT_4O, new Usage(1000, 200));
		call(request("acme", 200));
		call(request("acme", 200));
		this.guard.events.clear();

		assertThatExceptionOfType(BudgetExceededException.class).isThrownBy(() -> call(request("acme", 200)))
			.satisfies(ex -> {
				assertThat(ex.getBudget()).isEqualTo("tenant-cap");
				assertThat(ex.getKey()).isEqualTo("acme");
				assertThat(ex.getSpent()).isEqualByComparingTo("0.009");
				assertThat(ex.getLimit()).isEqualByComparingTo("0.01");
				assertThat(ex.getUnit()).isEqualTo("USD");
				assertThat(ex.getResetsAt()).isEqualTo(Instant.parse("2026-01-06T00:00:00Z"));
				assertThat(ex.getMessage()).contains("'tenant-cap'", "acme", "$0.0135", "$0.01");
			});
		assertThat(this.provider.calls()).hasSize(2);
		assertThat(this.guard.finished().outcome()).isEqualTo("budget_exceeded");
		assertThat(this.guard.budget("tenant-cap", "acme").spentCostNanos()).isEqualTo(9_000_000L);
		this.guard.assertNothingHeld();
	}

	@Test
	void rejectingBudgetDoesNotTryCheaperModels() {
		// a budget that does not shrink calls to fit (ShrinkToFitTests for those that do)
		EngineFixtures.Guard rejecting = EngineFixtures.guard(s -> s
			.budget(notShrinking(costBudget("tenant-cap", BudgetScope.TENANT, "0.01", OnExceeded.REJECT))));
		// gpt-4o worst case $0.0125 > $0.01: a rejecting budget fails even though mini would fit
		assertThatExceptionOfType(BudgetExceededException.class)
			.isThrownBy(() -> rejecting.engine.execute(request("acme", 1000), this.provider, text -> text));
		assertThat(this.provider.calls()).isEmpty();
	}

	@Test
	void downgradingBudgetSendsTheCallToTheNextModel() throws Throwable {
		CallRequest request = CallRequest.builder()
			.chain("default")
			.session("s-1")
			.tenant("globex")
			.estimatedInputTokens(1000L)
			.maxOutputTokens(1000)
			.build();
		// a budget that does not shrink calls to fit (ShrinkToFitTests for those that do)
		EngineFixtures.Guard downgrading = EngineFixtures.guard(s -> s
			.budget(notShrinking(costBudget("tenant-downgrade", BudgetScope.TENANT, "0.01", OnExceeded.DOWNGRADE))));

		// gpt-4o's worst case is $0.0125, mini's $0.00075
		assertThat(downgrading.engine.execute(request, this.provider, text -> text)).isEqualTo("gpt-4o-mini");

		assertThat(this.provider.calls()).containsExactly(MINI);
		assertThat(downgrading.events(GuardEvent.FellBack.class)).singleElement().satisfies(fellBack -> {
			assertThat(fellBack.from()).isEqualTo("openai/gpt-4o");
			assertThat(fellBack.reason()).isEqualTo("budget_exceeded");
		});
		downgrading.assertNothingHeld();
	}

	@Test
	void downgradingBudgetRejectsWhenNoModelIsLeft() {
		// a budget that does not shrink calls to fit (ShrinkToFitTests for those that do)
		EngineFixtures.Guard downgrading = EngineFixtures.guard(s -> s
			.budget(notShrinking(costBudget("tenant-downgrade", BudgetScope.TENANT, "0.01", OnExceeded.DOWNGRADE))));
		CallRequest request = CallRequest.builder()
			.model(GPT_4O)
			.tenant("globex")
			.estimatedInputTokens(1000L)
			.maxOutputTokens(1000)
			.build();

		assertThatExceptionOfType(BudgetExceededException.class)
			.isThrownBy(() -> downgrading.engine.execute(request, this.provider, text -> text))
			.satisfies(ex -> assertThat(ex.getBudget()).isEqualTo("tenant-downgrade"));
		downgrading.assertNothingHeld();
	}

	@Test
	void nothingStaysReservedWhenTheProviderFails() {
		this.provider.on(GPT_4O, status(401));

		assertThatExceptionOfType(ProviderResponseException.class).isThrownBy(() -> call(request("acme", 200)));

		assertThat(this.guard.budget("daily", "").spentCostNanos()).isZero();
		this.guard.assertNothingHeld();
	}

	@Test
	void nothingStaysReservedWhenRetriesRunOut() {
		this.provider.always(GPT_4O, status(503));

		assertThatExceptionOfType(ProviderResponseException.class).isThrownBy(() -> call(CallRequest.builder()
			.model(GPT_4O)
			.tenant("acme")
			.estimatedInputTokens(1000L)
			.maxOutputTokens(200)
			.build()));

		this.guard.assertNothingHeld();
	}

	@Test
	void nothingStaysReservedWhenTheOperationThrows() {
		IllegalStateException bug = new IllegalStateException("bug in the calling code");
		this.provider.on(GPT_4O, bug);

		assertThatExceptionOfType(IllegalStateException.class).isThrownBy(() -> call(request("acme", 200)))
			.isSameAs(bug);

		assertThat(this.provider.calls()).containsExactly(GPT_4O);
		this.guard.assertNothingHeld();
	}

	@Test
	void nothingStaysReservedAfterAnAsynchronousCallCompletes() throws Exception {
		this.provider.on(GPT_4O, new Usage(1000, 100));

		CompletableFuture<String> answer = this.guard.engine.executeAsync(request("acme", 200), this.provider.async(),
				text -> text);

		assertThat(answer.get(10, TimeUnit.SECONDS)).isEqualTo("gpt-4o");
		// 1,000 in + 100 out = $0.0025 + $0.001
		assertThat(this.guard.budget("tenant-cap", "acme").spentCostNanos()).isEqualTo(3_500_000L);
		this.guard.assertNothingHeld();
	}

	@Test
	void nothingStaysReservedAfterAnAsynchronousCallFails() {
		this.provider.on(GPT_4O, status(403));

		CompletableFuture<String> answer = this.guard.engine.executeAsync(request("acme", 200), this.provider.async(),
				text -> text);

		assertThatExceptionOfType(ExecutionException.class).isThrownBy(() -> answer.get(10, TimeUnit.SECONDS))
			.withCauseInstanceOf(ProviderResponseException.class);
		assertThat(this.guard.budget("tenant-cap", "acme").spentCostNanos()).isZero();
		this.guard.assertNothingHeld();
	}

	@Test
	void budgetWarningIsRaisedOnceAtWarnAt() throws Throwable {
		// warn-at 0.8 of $0.01: the second reservation takes spent + reserved to $0.009
		this.provider.always(GPT_4O, new Usage(1000, 200));
		call(request("acme", 200));
		call(request("acme", 200));

		assertThat(this.guard.events(GuardEvent.BudgetWarning.class)).extracting(GuardEvent.BudgetWarning::budget)
			.containsExactlyInAnyOrder("tenant-cap", "tenant-downgrade");
	}

}

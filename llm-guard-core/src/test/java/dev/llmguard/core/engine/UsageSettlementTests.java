package dev.llmguard.core.engine;

import org.junit.jupiter.api.Test;

import dev.llmguard.core.CallRequest;
import dev.llmguard.core.config.BudgetScope;
import dev.llmguard.core.config.OnExceeded;
import dev.llmguard.core.config.RateLimits;
import dev.llmguard.core.event.GuardEvent;
import dev.llmguard.core.model.Usage;

import static dev.llmguard.core.engine.EngineFixtures.GPT_4O;
import static dev.llmguard.core.engine.EngineFixtures.costBudget;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * §3 step 2.5: a call settles with the usage the code recorded, else the usage an extractor finds in
 * the result, else the estimate (counted as estimated); token buckets get back what was not used.
 */
class UsageSettlementTests {

	/** A provider answer that carries its usage, as a JSON body or a ChatResponse would. */
	record Reply(String text, Usage usage) {
	}

	private final EngineFixtures.Guard guard = new EngineFixtures.Guard(EngineFixtures.settings(s -> {
		s.providerLimits = new RateLimits(null, 10_000L, null, null, null, null);
		s.budget(costBudget("daily", BudgetScope.GLOBAL, "10.00", OnExceeded.REJECT));
	}), builder -> builder.usageExtractor(result -> (result instanceof Reply reply) ? reply.usage() : null));

	private static final CallRequest REQUEST = CallRequest.builder()
		.model(GPT_4O)
		.estimatedInputTokens(1000L)
		.maxOutputTokens(1000)
		.build();

	private long spent() {
		return this.guard.budget("daily", "").spentCostNanos();
	}

	@Test
	void usageRecordedOnTheContextWinsOverTheResult() throws Throwable {
		this.guard.engine.execute(REQUEST, context -> {
			context.recordUsage(1000, 500);
			return new Reply("hi", new Usage(1, 1));
		}, text -> null);

		assertThat(spent()).isEqualTo(7_500_000L);
		assertThat(this.guard.finished().usage()).isEqualTo(new Usage(1000, 500));
		assertThat(this.guard.finished().usageEstimated()).isFalse();
	}

	@Test
	void usageExtractorFindsTheUsageInTheResult() throws Throwable {
		Reply reply = this.guard.engine.execute(REQUEST, context -> new Reply("hi", new Usage(800, 300)),
				text -> null);

		assertThat(reply.text()).isEqualTo("hi");
		// 800 × 2.50 + 300 × 10.00 per 1M = $0.002 + $0.003
		assertThat(spent()).isEqualTo(5_000_000L);
		assertThat(this.guard.finished().usageEstimated()).isFalse();
	}

	@Test
	void withoutReportedUsageTheEstimateIsSettledAndCountedAsEstimated() throws Throwable {
		String answer = "x".repeat(40);

		this.guard.engine.execute(REQUEST, context -> answer, text -> text);

		GuardEvent.CallFinished finished = this.guard.finished();
		assertThat(finished.usageEstimated()).isTrue();
		// the input estimate, and the answer's own estimate (40 chars / 4) for the output
		assertThat(finished.usage()).isEqualTo(new Usage(1000, 10));
		assertThat(spent()).isEqualTo(2_600_000L);
	}

	@Test
	void resultThatIsNotTextIsSettledAtTheFullOutputAllowance() throws Throwable {
		this.guard.engine.execute(REQUEST, context -> Integer.valueOf(42), text -> null);

		assertThat(this.guard.finished().usage()).isEqualTo(new Usage(1000, 1000));
		assertThat(this.guard.finished().usageEstimated()).isTrue();
	}

	@Test
	void unusedTokensGoBackToTheTokensBucket() throws Throwable {
		this.guard.engine.execute(REQUEST, context -> {
			// while the call runs, its whole demand is held
			assertThat(this.guard.available("tokens-per-minute")).isEqualTo(8_000);
			context.recordUsage(1000, 100);
			return "ok";
		}, text -> text);

		assertThat(this.guard.available("tokens-per-minute")).isEqualTo(10_000 - 1_100);
	}

	@Test
	void usageAboveTheDemandIsTakenFromTheTokensBucketAsDebt() throws Throwable {
		this.guard.engine.execute(REQUEST, context -> {
			context.recordUsage(1500, 2500);
			return "ok";
		}, text -> text);

		assertThat(this.guard.available("tokens-per-minute")).isEqualTo(10_000 - 4_000);
	}

	@Test
	void usageRecordedByAFailedAttemptIsNotSettledForTheRetry() throws Throwable {
		int[] attempts = { 0 };
		this.guard.engine.execute(REQUEST, context -> {
			if (attempts[0]++ == 0) {
				context.recordUsage(5000, 5000);
				throw EngineFixtures.status(503);
			}
			context.recordUsage(1000, 500);
			return "ok";
		}, text -> text);

		assertThat(this.guard.finished().usage()).isEqualTo(new Usage(1000, 500));
		assertThat(spent()).isEqualTo(7_500_000L);
	}

}

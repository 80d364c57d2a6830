package dev.llmguard.springai;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.model.ChatResponse;

import dev.llmguard.core.BudgetExceededException;
import dev.llmguard.core.LlmGuardEngine;
import dev.llmguard.core.RateLimitExceededException;
import dev.llmguard.core.budget.BudgetUsage;
import dev.llmguard.core.config.BudgetPeriod;
import dev.llmguard.core.config.BudgetScope;
import dev.llmguard.core.config.BudgetSpec;
import dev.llmguard.core.config.OnExceeded;
import dev.llmguard.core.event.GuardEvent;
import dev.llmguard.test.junit.ProviderSimulatorExtension;
import dev.llmguard.test.simulator.ProviderSimulator;
import dev.llmguard.test.simulator.SimulatorStats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The advisor on a real {@code ChatClient} with Spring AI's real OpenAI client, against the provider
 * simulator, which enforces its own limits and counts the tokens it served.
 */
class LlmGuardAdvisorIntegrationTests {

	private static final Duration TIMEOUT = Duration.ofSeconds(30);

	@RegisterExtension
	static final ProviderSimulatorExtension simulatorExtension = ProviderSimulatorExtension.builder()
		.requestsPerMinute(30)
		.outputTokens(40)
		.build();

	private LlmGuardEngine engine;

	@AfterEach
	void closeEngine() {
		if (this.engine != null) {
			this.engine.close();
		}
	}

	private ChatClient client(SimulatorGuard guard, ProviderSimulator simulator, String model) {
		this.engine = guard.build();
		return SimulatorGuard.chatClient(SimulatorGuard.chatModel(simulator, model), this.engine);
	}

	@Test
	void reservationCoversEveryTokenTheProviderBillsForThePrompt(ProviderSimulator simulator) {
		String question = "How many tokens does the provider bill for this?";
		client(SimulatorGuard.openAi(simulator), simulator, "gpt-4o").prompt()
			.system("Answer in one line.")
			.user(question)
			.call()
			.content();
		long billedInput = simulator.stats().inputTokens();
		this.engine.close();
		// no max tokens in the request: the model's max output (1000) is reserved beside the prompt
		long reservation = billedInput + 1000;

		ChatClient oneShort = client(SimulatorGuard.openAi(simulator).budget(tokens(reservation - 1)), simulator,
				"gpt-4o");
		assertThatExceptionOfType(BudgetExceededException.class)
			.isThrownBy(() -> oneShort.prompt().system("Answer in one line.").user(question).call().content());
		assertThat(simulator.stats().requests()).isEqualTo(1);
		this.engine.close();

		ChatClient roomy = client(SimulatorGuard.openAi(simulator).budget(tokens(reservation + 4)), simulator,
				"gpt-4o");
		roomy.prompt().system("Answer in one line.").user(question).call().content();
		assertThat(simulator.stats().succeeded()).isEqualTo(2);
	}

	@Test
	void aBudgetShortOfTheWorstCaseSendsTheRequestWithTheAllowanceItStillAffords(ProviderSimulator simulator) {
		String question = "How many tokens does the provider bill for this?";
		client(SimulatorGuard.openAi(simulator), simulator, "gpt-4o").prompt().user(question).call().content();
		long billedInput = simulator.stats().inputTokens();
		this.engine.close();

		// 100 tokens short of the prompt plus the model's max output (1000): the call leaves with 900
		BudgetSpec shrinking = new BudgetSpec("tokens", BudgetScope.GLOBAL, BudgetPeriod.NONE, null,
				billedInput + 900, 0.9, OnExceeded.REJECT);
		client(SimulatorGuard.openAi(simulator).budget(shrinking), simulator, "gpt-4o").prompt()
			.user(question)
			.call()
			.content();

		assertThat(simulator.lastRequest().bodyText()).contains("\"max_completion_tokens\":900");
		assertThat(simulator.stats().succeeded()).isEqualTo(2);
	}

	/** A token budget that does not shrink calls to fit: one token short of the worst case rejects. */
	private static BudgetSpec tokens(long maxTokens) {
		return new BudgetSpec("tokens", BudgetScope.GLOBAL, BudgetPeriod.NONE, null, maxTokens, 0.9,
				OnExceeded.REJECT, false);
	}

	@Test
	void callIsGuardedAndSettledWithTheUsageTheProviderReported(ProviderSimulator simulator) {
		SimulatorGuard guard = SimulatorGuard.openAi(simulator);
		ChatClient client = client(guard, simulator, "gpt-4o");

		ChatResponse response = client.prompt("What is a token bucket?").call().chatResponse();

		SimulatorStats stats = simulator.stats();
		assertThat(stats.succeeded()).isEqualTo(1);
		assertThat(response.getMetadata().getUsage().getTotalTokens())
			.isEqualTo((int) (stats.inputTokens() + stats.outputTokens()));
		BudgetUsage spend = SimulatorGuard.spend(this.engine);
		assertThat(spend.spentTokens()).isEqualTo(stats.inputTokens() + stats.outputTokens());
		assertThat(spend.reservedTokens()).isZero();
		assertThat(spend.reservedCostNanos()).isZero();
		GuardEvent.CallFinished finished = guard.events(GuardEvent.CallFinished.class).get(0);
		assertThat(finished.outcome()).isEqualTo("success");
		assertThat(finished.usageEstimated()).isFalse();
	}

	@Test
	void streamIsGuardedAndSettledFromTheFinalChunksUsage(ProviderSimulator simulator) {
		SimulatorGuard guard = SimulatorGuard.openAi(simulator);
		ChatClient client = client(guard, simulator, "gpt-4o");

		List<String> chunks = client.prompt("Stream me an answer").stream().content().collectList().block(TIMEOUT);

		SimulatorStats stats = SimulatorGuard.statsWithOutput(simulator, 40);
		assertThat(chunks).isNotEmpty();
		assertThat(stats.outputTokens()).isEqualTo(40);
		BudgetUsage spend = SimulatorGuard.spend(this.engine);
		assertThat(spend.spentTokens()).isEqualTo(stats.inputTokens() + stats.outputTokens());
		assertThat(spend.reservedTokens()).isZero();
		assertThat(guard.events(GuardEvent.CallFinished.class)).singleElement()
			.satisfies(finished -> assertThat(finished.usageEstimated()).as("settled from the final usage chunk").isFalse());
		assertThat(SimulatorGuard.inUse(this.engine)).isZero();
	}

	@Test
	void burstAboveTheProvidersCapacityNeverReachesItsLimit(ProviderSimulator simulator) throws Exception {
		// simulator: 30 requests per minute; guard: the same 30, all of it (headroom 1.0), no waiting
		SimulatorGuard guard = SimulatorGuard.openAi(simulator).requestsPerMinute(30).maxWait(Duration.ZERO);
		ChatClient client = client(guard, simulator, "gpt-4o");
		ExecutorService pool = Executors.newFixedThreadPool(16);
		int answered = 0;
		int refused = 0;
		try {
			List<Callable<String>> calls = new ArrayList<>();
			for (int i = 0; i < 60; i++) {
				int n = i;
				// urgent calls may use the whole limit (others leave the priority reserve untouched)
				calls.add(() -> client.prompt("Burst request " + n)
					.advisors(LlmGuardAdvisor.priority(1))
					.call()
					.content());
			}
			for (Future<String> result : pool.invokeAll(calls)) {
				try {
					result.get();
					answered++;
				}
				catch (java.util.concurrent.ExecutionException ex) {
					assertThat(ex.getCause()).isInstanceOf(RateLimitExceededException.class);
					refused++;
				}
			}
		}
		finally {
			pool.shutdownNow();
		}

		SimulatorStats stats = simulator.stats();
		assertThat(stats.rateLimited()).as("429 answers from the provider").isZero();
		assertThat(stats.requests()).isEqualTo(30);
		assertThat(answered).isEqualTo(30);
		assertThat(refused).isEqualTo(30);
		assertThat(SimulatorGuard.spend(this.engine).reservedTokens()).isZero();
	}

	@Test
	void spentCostIsExactlyTheProvidersTokensTimesTheConfiguredPrices(ProviderSimulator simulator) {
		SimulatorGuard guard = SimulatorGuard.openAi(simulator);
		ChatClient client = client(guard, simulator, "gpt-4o");

		for (int i = 0; i < 4; i++) {
			client.prompt("Question number " + i + " about budgets").call().content();
		}
		for (int i = 0; i < 3; i++) {
			client.prompt("Streamed question " + i).stream().content().collectList().block(TIMEOUT);
		}

		SimulatorStats stats = SimulatorGuard.statsWithOutput(simulator, 7 * 40);
		assertThat(stats.succeeded()).isEqualTo(7);
		BudgetUsage spend = SimulatorGuard.spend(this.engine);
		assertThat(spend.spentCostNanos()).isEqualTo(
				SimulatorGuard.nanos(stats.inputTokens(), stats.outputTokens(), SimulatorGuard.GPT_4O_PRICE));
		assertThat(spend.spentTokens()).isEqualTo(stats.inputTokens() + stats.outputTokens());
		assertThat(spend.reservedCostNanos()).isZero();
	}

	@Test
	void theAdvisorParameterSetsTheCallsDeadline(ProviderSimulator simulator) {
		SimulatorGuard guard = SimulatorGuard.openAi(simulator);
		ChatClient client = client(guard, simulator, "gpt-4o");
		simulator.rateLimitModel("gpt-4o", Duration.ofSeconds(60));
		Instant start = guard.clock.instant();

		// Retry-After 60 s, capped at the guard's max-retry-after of 5 s: still longer than the 3 s deadline
		assertThatExceptionOfType(RateLimitExceededException.class)
			.isThrownBy(() -> client.prompt("In a hurry")
				.advisors(LlmGuardAdvisor.maxTotalTime(Duration.ofSeconds(3)))
				.call()
				.content())
			.satisfies(ex -> assertThat(ex.getRetryAfter()).isEqualTo(Duration.ofSeconds(60)))
			.withMessageContaining("max-total-time 3s");
		assertThat(guard.clock.instant()).isEqualTo(start);
		assertThat(simulator.stats().requests()).isEqualTo(1);

		// as text, like every advisor parameter
		assertThatExceptionOfType(RateLimitExceededException.class).isThrownBy(() -> client.prompt("Still in a hurry")
			.advisors(spec -> spec.param(LlmGuardAdvisor.MAX_TOTAL_TIME, "3s"))
			.call()
			.content());
		assertThat(guard.clock.instant()).isEqualTo(start);
		assertThat(SimulatorGuard.spend(this.engine).reservedTokens()).isZero();
	}

	@Test
	void callsLandOnTheSecondModelWhileTheFirstIsRateLimited(ProviderSimulator simulator) {
		SimulatorGuard guard = SimulatorGuard.openAi(simulator).defaultChain();
		ChatClient client = client(guard, simulator, "gpt-4o");
		simulator.rateLimitModel("gpt-4o");

		List<String> models = new ArrayList<>();
		for (int i = 0; i < 3; i++) {
			models.add(client.prompt("Which model answers " + i + "?").call().chatResponse().getMetadata().getModel());
		}
		models.add(client.prompt("And streamed?")
			.stream()
			.chatResponse()
			.filter(r -> r.getMetadata().getModel() != null && !r.getMetadata().getModel().isEmpty())
			.blockLast(TIMEOUT)
			.getMetadata()
			.getModel());

		assertThat(models).allSatisfy(model -> assertThat(model).startsWith("gpt-4o-mini"));
		SimulatorStats stats = SimulatorGuard.statsWithOutput(simulator, 4 * 40);
		assertThat(stats.rateLimited()).as("gpt-4o asked once, then cooling down").isEqualTo(1);
		assertThat(stats.succeeded()).isEqualTo(4);
		assertThat(guard.events(GuardEvent.FellBack.class)).isNotEmpty();
		BudgetUsage spend = SimulatorGuard.spend(this.engine);
		assertThat(spend.spentCostNanos()).isEqualTo(
				SimulatorGuard.nanos(stats.inputTokens(), stats.outputTokens(), SimulatorGuard.MINI_PRICE));
	}

	@Test
	void streamCancelledHalfWaySettlesWhatWasStreamedAndLeavesNothingReserved(ProviderSimulator simulator) {
		simulator.update(settings -> settings.outputTokens(400));
		SimulatorGuard guard = SimulatorGuard.openAi(simulator);
		ChatClient client = client(guard, simulator, "gpt-4o");

		List<String> firstChunks = client.prompt("Tell me a long story").stream().content().take(5).collectList()
			.block(TIMEOUT);

		assertThat(firstChunks).hasSize(5);
		BudgetUsage spend = SimulatorGuard.spend(this.engine);
		assertThat(spend.reservedTokens()).isZero();
		assertThat(spend.reservedCostNanos()).isZero();
		assertThat(SimulatorGuard.inUse(this.engine)).isZero();
		GuardEvent.CallFinished finished = guard.events(GuardEvent.CallFinished.class).get(0);
		assertThat(finished.usageEstimated()).as("no usage chunk arrived: estimated from the streamed text").isTrue();
		assertThat(finished.usage().outputTokens()).isPositive().isLessThan(400);
		assertThat(spend.spentTokens()).isEqualTo(finished.usage().totalTokens());
	}

}

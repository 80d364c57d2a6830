package dev.llmguard.springai;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.tool.ToolCallback;
import org.springframework.ai.tool.function.FunctionToolCallback;
import reactor.core.publisher.Flux;

import dev.llmguard.annotation.GuardFixtures;
import dev.llmguard.annotation.RateLimitedLlm;
import dev.llmguard.annotation.RateLimitedLlmAspect;
import dev.llmguard.core.LlmGuardEngine;
import dev.llmguard.core.budget.BudgetUsage;
import dev.llmguard.core.event.GuardEvent;
import dev.llmguard.test.junit.ProviderSimulatorExtension;
import dev.llmguard.test.simulator.ProviderSimulator;
import dev.llmguard.test.simulator.SimulatorStats;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A tool-calling conversation inside a {@code @RateLimitedLlm} method: a failed round is retried or
 * failed over on its own, and the tools that already ran never run again.
 */
class RequestRetriesInsideRateLimitedLlmTests {

	@RegisterExtension
	static final ProviderSimulatorExtension simulatorExtension = ProviderSimulatorExtension.builder().build();

	private final AtomicInteger orders = new AtomicInteger();

	private Runnable whenOrdered = () -> {
	};

	private final ToolCallback placeOrder = FunctionToolCallback
		.builder("place_order", (Function<Order, String>) order -> {
			this.orders.incrementAndGet();
			this.whenOrdered.run();
			return "{\"order\": \"placed\"}";
		})
		.description("Places the order")
		.inputType(Order.class)
		.build();

	private SimulatorGuard guard;

	private LlmGuardEngine engine;

	@AfterEach
	void closeEngine() {
		this.engine.close();
	}

	private Shop shop(ProviderSimulator simulator) {
		this.guard = SimulatorGuard.openAi(simulator).defaultChain();
		this.engine = this.guard.build();
		simulator.callOfferedTools(true);
		ChatClient client = SimulatorGuard.chatClient(SimulatorGuard.chatModel(simulator, "gpt-4o"), this.engine);
		return GuardFixtures.proxy(new Shop(client, this.placeOrder),
				new RateLimitedLlmAspect(this.engine, RateLimitedLlmAspect.DEFAULT_ORDER));
	}

	@Test
	void aRoundThatFailsAfterAToolRanRetriesThatRequestOnlyAndTheToolRunsOnce(ProviderSimulator simulator) {
		Shop shop = shop(simulator);
		// the request that carries the tool's result fails once with 500
		this.whenOrdered = () -> simulator.failNextRequests(1, 500);

		String answer = shop.buy("Order the blue shoes");

		assertThat(answer).isNotBlank();
		assertThat(this.orders).as("executions of the tool").hasValue(1);
		SimulatorStats stats = simulator.stats();
		assertThat(stats.requests()).as("round 1, round 2 failed, round 2 again").isEqualTo(3);
		assertThat(stats.failed()).isEqualTo(1);
		assertThat(this.guard.events(GuardEvent.Retried.class)).singleElement()
			.satisfies(retried -> assertThat(retried.model()).isEqualTo("gpt-4o"));
		assertThat(this.guard.events(GuardEvent.CallFinished.class)).as("one settlement per answered round")
			.hasSize(2)
			.allSatisfy(finished -> {
				assertThat(finished.outcome()).isEqualTo("success");
				assertThat(finished.usageEstimated()).isFalse();
			});
		BudgetUsage spend = SimulatorGuard.spend(this.engine);
		assertThat(spend.spentTokens()).isEqualTo(stats.inputTokens() + stats.outputTokens());
		assertThat(spend.spentCostNanos()).isEqualTo(
				SimulatorGuard.nanos(stats.inputTokens(), stats.outputTokens(), SimulatorGuard.GPT_4O_PRICE));
		assertThat(spend.reservedTokens()).isZero();
		assertThat(SimulatorGuard.inUse(this.engine)).isZero();
	}

	@Test
	void aRoundRateLimitedAfterAToolRanFailsOverOnItsOwnAndTheToolRunsOnce(ProviderSimulator simulator) {
		Shop shop = shop(simulator);
		// from the request that carries the tool's result on, gpt-4o answers 429
		this.whenOrdered = () -> simulator.rateLimitModel("gpt-4o");

		String answer = shop.buy("Order the red shoes");

		assertThat(answer).isNotBlank();
		assertThat(this.orders).as("executions of the tool").hasValue(1);
		assertThat(this.guard.events(GuardEvent.CallFinished.class)).extracting(GuardEvent.CallFinished::model)
			.containsExactly("gpt-4o", "gpt-4o-mini");
		assertThat(this.guard.events(GuardEvent.FellBack.class)).singleElement()
			.satisfies(fellBack -> assertThat(fellBack.to()).isEqualTo("openai/gpt-4o-mini"));
		BudgetUsage spend = SimulatorGuard.spend(this.engine);
		assertThat(spend.reservedTokens()).isZero();
		assertThat(SimulatorGuard.inUse(this.engine)).isZero();
	}

	@Test
	void aStreamedRequestThatFailsInsideAFluxMethodIsRetriedAloneAndTheMethodRunsOnce(ProviderSimulator simulator) {
		this.guard = SimulatorGuard.openAi(simulator).defaultChain();
		this.engine = this.guard.build();
		ChatClient client = SimulatorGuard.chatClient(SimulatorGuard.chatModel(simulator, "gpt-4o"), this.engine);
		AtomicInteger runs = new AtomicInteger();
		Shop shop = GuardFixtures.proxy(new Shop(client, this.placeOrder, runs),
				new RateLimitedLlmAspect(this.engine, RateLimitedLlmAspect.DEFAULT_ORDER));
		simulator.failNextRequests(1, 500);

		List<String> chunks = shop.stream("Tell me about the blue shoes").collectList().block(Duration.ofSeconds(30));

		assertThat(chunks).isNotEmpty();
		assertThat(runs).as("runs of the method").hasValue(1);
		SimulatorStats stats = SimulatorGuard.statsWithOutput(simulator, 1);
		assertThat(stats.requests()).as("the stream failed once, then again").isEqualTo(2);
		assertThat(this.guard.events(GuardEvent.Retried.class)).hasSize(1);
		assertThat(this.guard.events(GuardEvent.CallFinished.class)).singleElement()
			.satisfies(finished -> assertThat(finished.outcome()).isEqualTo("success"));
		Awaitility.await().atMost(Duration.ofSeconds(10))
			.until(() -> SimulatorGuard.spend(this.engine).reservedTokens() == 0);
		assertThat(SimulatorGuard.spend(this.engine).spentTokens()).isEqualTo(stats.inputTokens() + stats.outputTokens());
		assertThat(SimulatorGuard.inUse(this.engine)).isZero();
	}

	record Order(String item) {
	}

	static class Shop {

		private final ChatClient client;

		private final ToolCallback placeOrder;

		Shop(ChatClient client, ToolCallback placeOrder) {
			this(client, placeOrder, new AtomicInteger());
		}

		Shop(ChatClient client, ToolCallback placeOrder, AtomicInteger runs) {
			this.client = client;
			this.placeOrder = placeOrder;
			this.runs = runs;
		}

		final AtomicInteger runs;

		@RateLimitedLlm(chain = "default")
		public String buy(String request) {
			return this.client.prompt(request).toolCallbacks(this.placeOrder).call().content();
		}

		@RateLimitedLlm(chain = "default")
		public Flux<String> stream(String request) {
			this.runs.incrementAndGet(); // the method's own work: a retry must not run it again
			return this.client.prompt(request).stream().content();
		}

	}

}

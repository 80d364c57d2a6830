package dev.llmguard.springai;

import java.math.BigDecimal;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.client.ChatClientRequest;
import org.springframework.ai.chat.client.ChatClientResponse;
import org.springframework.ai.chat.client.advisor.api.CallAdvisor;
import org.springframework.ai.chat.client.advisor.api.CallAdvisorChain;
import org.springframework.ai.content.Media;
import org.springframework.ai.tool.ToolCallback;
import org.springframework.ai.tool.function.FunctionToolCallback;
import org.springframework.util.MimeTypeUtils;

import dev.llmguard.core.BudgetExceededException;
import dev.llmguard.core.LlmGuardContext;
import dev.llmguard.core.LlmGuardEngine;
import dev.llmguard.core.budget.BudgetUsage;
import dev.llmguard.core.config.BudgetPeriod;
import dev.llmguard.core.config.BudgetScope;
import dev.llmguard.core.config.BudgetSpec;
import dev.llmguard.core.config.OnExceeded;
import dev.llmguard.core.model.Money;
import dev.llmguard.core.token.ImageTokens;
import dev.llmguard.core.token.ToolTokens;
import dev.llmguard.test.simulator.ProviderSimulator;
import dev.llmguard.test.simulator.SimulatorStats;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The worst case reserved is the worst case the provider can bill: a request that sets no max tokens
 * leaves with the reserved allowance, so a provider whose own default answer is longer cannot push
 * spend past a budget, however many calls run at once.
 */
class WorstCaseEnforcedTests {

	private static final int THREADS = 32;

	/** The model's allowance in {@link SimulatorGuard}: the simulator would answer three times as much. */
	private static final int ALLOWANCE = 1000;

	private final ProviderSimulator simulator = ProviderSimulator.builder().outputTokens(3 * ALLOWANCE).build().start();

	private LlmGuardEngine engine;

	@AfterEach
	void close() {
		this.engine.close();
		this.simulator.stop();
	}

	@Test
	void theInputEstimateOfAChatClientRequestCountsItsImagesAndToolDefinitions() {
		this.engine = SimulatorGuard.openAi(this.simulator).build();
		List<Long> estimates = new CopyOnWriteArrayList<>();
		CallAdvisor probe = new CallAdvisor() {

			@Override
			public ChatClientResponse adviseCall(ChatClientRequest request, CallAdvisorChain chain) {
				estimates.add(LlmGuardContext.current().estimatedInputTokens());
				return chain.nextCall(request);
			}

			@Override
			public String getName() {
				return "estimate-probe";
			}

			@Override
			public int getOrder() {
				return LlmGuardAdvisor.DEFAULT_ORDER + 1; // inside the guard's advisor: sees the admitted call
			}

		};
		ChatClient.Builder builder = ChatClient.builder(SimulatorGuard.chatModel(this.simulator, "gpt-4o"));
		new LlmGuardChatClientCustomizer(new LlmGuardAdvisor(this.engine), new GuardedToolsAdvisor(this.engine))
			.customize(builder);
		ChatClient client = builder.defaultAdvisors(probe).build();
		ToolCallback lookup = FunctionToolCallback.builder("lookup_order", (Function<String, String>) id -> "shipped")
			.description("Looks an order up by its id and tells where it is")
			.inputType(String.class)
			.build();

		client.prompt("Where is my order?").call().content();
		client.prompt()
			.user(user -> user.text("Where is my order?")
				.media(new Media(MimeTypeUtils.IMAGE_PNG, URI.create("https://example.com/receipt.png"))))
			.call()
			.content();
		client.prompt("Where is my order?").toolCallbacks(lookup).call().content();

		assertThat(estimates).hasSize(3);
		assertThat(estimates.get(1)).as("an image of unknown size, at the most it can cost")
			.isGreaterThanOrEqualTo(estimates.get(0) + ImageTokens.openAiWorstCase("gpt-4o"));
		assertThat(estimates.get(2)).as("a tool definition and the tool-use prompt")
			.isGreaterThan(estimates.get(0) + ToolTokens.ANTHROPIC_REQUEST_OVERHEAD);
	}

	@Test
	void underThirtyTwoThreadsSpendNeverPassesASmallBudgetAndEqualsTheProvidersUsageTimesPrice() throws Exception {
		BigDecimal cap = new BigDecimal("0.20"); // about twenty worst cases of gpt-4o
		this.engine = SimulatorGuard.openAi(this.simulator)
			.budget(new BudgetSpec("small", BudgetScope.GLOBAL, BudgetPeriod.NONE, cap, null, 0.9, OnExceeded.REJECT))
			.build();
		ChatClient client = SimulatorGuard.chatClient(SimulatorGuard.chatModel(this.simulator, "gpt-4o"), this.engine);
		AtomicInteger answered = new AtomicInteger();
		AtomicInteger rejected = new AtomicInteger();
		CountDownLatch start = new CountDownLatch(1);
		ExecutorService pool = Executors.newFixedThreadPool(THREADS);
		List<Future<?>> done = new ArrayList<>();
		for (int t = 0; t < THREADS; t++) {
			int thread = t;
			done.add(pool.submit(() -> {
				start.await();
				for (int i = 0; i < 3; i++) {
					try {
						client.prompt("Write a long story about thread " + thread + ", part " + i).call().content();
						answered.incrementAndGet();
					}
					catch (BudgetExceededException ex) {
						rejected.incrementAndGet();
					}
				}
				return null;
			}));
		}
		start.countDown();
		for (Future<?> future : done) {
			future.get(60, TimeUnit.SECONDS);
		}
		pool.shutdown();

		assertThat(answered.get()).isPositive();
		assertThat(rejected.get()).as("the budget ran out").isPositive();
		SimulatorStats stats = this.simulator.stats();
		assertThat(stats.outputTokens()).as("no answer longer than its reserved allowance")
			.isLessThanOrEqualTo((long) ALLOWANCE * stats.succeeded());
		BudgetUsage small = this.engine.budgets().usage("small", "");
		assertThat(small.spentCostNanos()).isLessThanOrEqualTo(Money.fromUsd(cap));
		assertThat(small.spentCostNanos()).isEqualTo(
				SimulatorGuard.nanos(stats.inputTokens(), stats.outputTokens(), SimulatorGuard.GPT_4O_PRICE));
		assertThat(small.reservedCostNanos()).isZero();
		assertThat(SimulatorGuard.inUse(this.engine)).isZero();
	}

}

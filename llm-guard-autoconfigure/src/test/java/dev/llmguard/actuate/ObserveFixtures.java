package dev.llmguard.actuate;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import dev.llmguard.core.CallRequest;
import dev.llmguard.core.FallbackResponseMapper;
import dev.llmguard.core.LlmGuardEngine;
import dev.llmguard.core.config.BudgetPeriod;
import dev.llmguard.core.config.BudgetScope;
import dev.llmguard.core.config.BudgetSpec;
import dev.llmguard.core.config.ChainSpec;
import dev.llmguard.core.config.GuardSettings;
import dev.llmguard.core.config.ModelPrice;
import dev.llmguard.core.config.ModelSpec;
import dev.llmguard.core.config.OnExceeded;
import dev.llmguard.core.config.ProviderSpec;
import dev.llmguard.core.config.RateLimits;
import dev.llmguard.core.config.RetrySettings;
import dev.llmguard.core.config.ToolSpec;
import dev.llmguard.core.event.GuardListener;
import dev.llmguard.core.model.ModelRef;
import dev.llmguard.core.model.Usage;
import dev.llmguard.core.time.ManualGuardClock;

/**
 * The configuration of DESIGN.md's examples: provider {@code openai} (500 requests and 200,000
 * tokens per minute, 16 concurrent calls) with {@code gpt-4o} and {@code gpt-4o-mini}, the chain
 * {@code default}, a global daily budget of $50, a tenant daily budget of $1 and the tool
 * {@code search_products} (100 calls a minute). Time starts at 2026-11-22T10:00:00Z.
 */
public final class ObserveFixtures {

	public static final ModelRef GPT_4O = new ModelRef("openai", "gpt-4o");

	public static final ModelRef MINI = new ModelRef("openai", "gpt-4o-mini");

	public static final Instant START = Instant.parse("2026-11-22T10:00:00Z");

	private ObserveFixtures() {
	}

	public static GuardSettings settings() {
		return GuardSettings.builder()
			.retry(new RetrySettings(3, Duration.ofSeconds(1), 2.0, Duration.ofSeconds(10), Duration.ofSeconds(30)))
			.provider(new ProviderSpec("openai", null,
					new RateLimits(500L, 200_000L, null, null, null, null), 16, Duration.ofSeconds(30),
					Map.of("gpt-4o", new ModelSpec(GPT_4O, ModelPrice.of("2.50", "1.25", "10.00"), 128_000, 4096, null),
							"gpt-4o-mini", new ModelSpec(MINI, ModelPrice.of("0.15", "0.075", "0.60"), 128_000, 4096,
									new RateLimits(100L, null, null, null, null, null)))))
			.chain(new ChainSpec("default", List.of(GPT_4O, MINI), Duration.ofSeconds(60), null))
			.budget(new BudgetSpec("daily-spend", BudgetScope.GLOBAL, BudgetPeriod.DAY, new BigDecimal("50.00"), null,
					0.8, OnExceeded.REJECT))
			.budget(new BudgetSpec("tenant-daily", BudgetScope.TENANT, BudgetPeriod.DAY, new BigDecimal("1.00"), null,
					0.8, OnExceeded.REJECT))
			.tool(new ToolSpec("search_products", 100, Duration.ofSeconds(60), null))
			.build();
	}

	public static LlmGuardEngine engine(ManualGuardClock clock, GuardListener... listeners) {
		return LlmGuardEngine.builder(settings()).clock(clock).listeners(List.of(listeners)).build();
	}

	public static ManualGuardClock clock() {
		return new ManualGuardClock(START);
	}

	/** A successful call of the default chain for a tenant, reporting the given usage. */
	public static void call(LlmGuardEngine engine, String tenant, Usage usage) throws Throwable {
		CallRequest request = CallRequest.builder()
			.chain("default")
			.tenant(tenant)
			.estimatedInputTokens(usage.inputTokens())
			.maxOutputTokens(1000)
			.build();
		engine.execute(request, (context) -> {
			context.recordUsage(usage);
			return "answer";
		}, FallbackResponseMapper.none());
	}

}

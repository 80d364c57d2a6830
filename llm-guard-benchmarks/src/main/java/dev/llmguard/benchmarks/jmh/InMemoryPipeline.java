package dev.llmguard.benchmarks.jmh;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;

import io.micrometer.core.instrument.MeterRegistry;

import dev.llmguard.core.CallRequest;
import dev.llmguard.core.FallbackResponseMapper;
import dev.llmguard.core.GuardedOperation;
import dev.llmguard.core.LlmGuardEngine;
import dev.llmguard.core.budget.InMemoryBudgetLedger;
import dev.llmguard.core.config.BudgetPeriod;
import dev.llmguard.core.config.BudgetScope;
import dev.llmguard.core.config.BudgetSpec;
import dev.llmguard.core.config.ChainSpec;
import dev.llmguard.core.config.GuardSettings;
import dev.llmguard.core.config.ModelSpec;
import dev.llmguard.core.config.OnExceeded;
import dev.llmguard.core.config.ProviderSpec;
import dev.llmguard.core.config.RateLimits;
import dev.llmguard.core.model.ModelRef;
import dev.llmguard.core.time.GuardClock;
import dev.llmguard.metrics.GuardEventMetrics;

/**
 * llm-guard's whole in-memory pipeline as benchmark (c) and the memory benchmark run it: a provider
 * with a requests and a tokens bucket and a concurrency cap, a global and a per-tenant budget, and
 * llm-guard's Micrometer meters ({@link GuardEventMetrics}) on the given registry. The limits are
 * far above what a benchmark can spend, so every call takes the full admission path without waiting.
 */
public final class InMemoryPipeline {

	public static final String PROVIDER = "openai";

	public static final ModelRef MODEL = new ModelRef(PROVIDER, "gpt-4o-mini");

	public static final String GLOBAL_BUDGET = "daily-spend";

	public static final String TENANT_BUDGET = "per-tenant";

	/** A no-op provider call that reports usage, as a real one would. */
	public static final GuardedOperation<String> NO_OP_CALL = (ctx) -> {
		ctx.recordUsage(100, 50);
		return "ok";
	};

	public static final FallbackResponseMapper<String> NO_FALLBACK = FallbackResponseMapper.none();

	private InMemoryPipeline() {
	}

	/**
	 * The configuration: Bucket4j refills at most one token per nanosecond, so these are about the
	 * largest per-minute limits a bucket can count.
	 */
	public static GuardSettings settings() {
		RateLimits limits = new RateLimits(1_000_000_000L, 50_000_000_000L, null, null, null, null);
		ModelSpec model = new ModelSpec(MODEL, null, 128_000, 16_384, null);
		return GuardSettings.builder()
			.provider(new ProviderSpec(PROVIDER, null, limits, 64, Duration.ofSeconds(30),
					Map.of(MODEL.model(), model)))
			.chain(new ChainSpec("default", List.of(MODEL), Duration.ofSeconds(60), null))
			.budget(new BudgetSpec(GLOBAL_BUDGET, BudgetScope.GLOBAL, BudgetPeriod.DAY, new BigDecimal("1000000"), null,
					0.8, OnExceeded.REJECT))
			.budget(new BudgetSpec(TENANT_BUDGET, BudgetScope.TENANT, BudgetPeriod.DAY, new BigDecimal("1000"), null,
					0.8, OnExceeded.REJECT))
			.build();
	}

	/** The engine on the system clock with the default ledger size. */
	public static LlmGuardEngine engine(MeterRegistry registry) {
		GuardClock clock = GuardClock.system();
		return engine(registry, clock, new InMemoryBudgetLedger(clock, ZoneId.of("UTC")));
	}

	/**
	 * The engine on a given clock and ledger.
	 * @param registry where the metrics go
	 * @param clock the engine's clock, also the ledger's
	 * @param ledger the in-memory ledger, so a benchmark can watch what it holds
	 */
	public static LlmGuardEngine engine(MeterRegistry registry, GuardClock clock, InMemoryBudgetLedger ledger) {
		return LlmGuardEngine.builder(settings())
			.clock(clock)
			.ledger(ledger)
			.listener(new GuardEventMetrics(registry))
			.build();
	}

	/** A call of the default chain for a tenant, with its token estimate given (no tokenizer in the loop). */
	public static CallRequest request(String tenant) {
		return CallRequest.builder()
			.chain("default")
			.tenant(tenant)
			.priority(5)
			.estimatedInputTokens(100L)
			.maxOutputTokens(200)
			.build();
	}

}

package dev.llmguard.metrics;

import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

import dev.llmguard.core.LlmGuardEngine;
import dev.llmguard.core.budget.BudgetStatus;
import dev.llmguard.core.config.BudgetScope;
import dev.llmguard.core.config.BudgetSpec;
import dev.llmguard.core.limit.LimitSnapshot;
import dev.llmguard.core.limit.LimitSnapshot.BucketLevel;

/**
 * Gauges read from the engine's state when the registry is scraped: {@code llm.guard.budget.used}
 * (share 0..1 of each global budget in its current period) and {@code llm.guard.bucket.available}
 * (what each rate-limit bucket can give now). A model-level limit is tagged
 * {@code limit=<model>/<limit>}, e.g. {@code gpt-4o/requests-per-minute}.
 */
public final class GuardStateMetrics implements MeterBinder {

	/** Share of a global budget used in its current period, spent plus reserved. */
	public static final String BUDGET_USED = "llm.guard.budget.used";

	/** Capacity a rate-limit bucket can give now (negative while in debt). */
	public static final String BUCKET_AVAILABLE = "llm.guard.bucket.available";

	private final LlmGuardEngine engine;

	public GuardStateMetrics(LlmGuardEngine engine) {
		this.engine = Objects.requireNonNull(engine, "engine");
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		for (BudgetSpec budget : this.engine.budgets().budgets()) {
			if (budget.scope() == BudgetScope.GLOBAL) {
				Gauge.builder(BUDGET_USED, this.engine, budgetShare(budget.name()))
					.description("Share of a global llm-guard budget used in its current period (spent plus reserved)")
					.tag("budget", budget.name())
					.strongReference(true)
					.register(registry);
			}
		}
		this.engine.limiters().snapshots().forEach((provider, snapshot) -> {
			snapshot.limits()
				.keySet()
				.forEach((limit) -> bucket(registry, provider, limit, (s) -> s.limits().get(limit)));
			snapshot.modelLimits()
				.forEach((model, limits) -> limits.keySet()
					.forEach((limit) -> bucket(registry, provider, model + "/" + limit,
							(s) -> s.modelLimits().getOrDefault(model, Map.of()).get(limit))));
		});
	}

	private void bucket(MeterRegistry registry, String provider, String limit,
			Function<LimitSnapshot, BucketLevel> level) {
		Gauge.builder(BUCKET_AVAILABLE, this.engine, (engine) -> {
			BucketLevel bucket = level.apply(engine.limiters().snapshot(provider));
			return (bucket != null) ? bucket.available() : Double.NaN;
		})
			.description("Capacity an llm-guard rate-limit bucket can give now (after headroom)")
			.tag("provider", provider)
			.tag("limit", limit)
			.strongReference(true)
			.register(registry);
	}

	private static ToDoubleFunction<LlmGuardEngine> budgetShare(String name) {
		return (engine) -> {
			for (BudgetStatus status : engine.budgets().globalStatuses()) {
				if (status.budget().name().equals(name)) {
					return status.usedShare();
				}
			}
			return Double.NaN;
		};
	}

}

package dev.llmguard.metrics;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

import dev.llmguard.core.LlmGuardEngine;
import dev.llmguard.core.budget.BudgetForecast;
import dev.llmguard.core.budget.BudgetStatus;
import dev.llmguard.core.config.BudgetScope;
import dev.llmguard.core.config.BudgetSpec;
import dev.llmguard.core.limit.LimitSnapshot;
import dev.llmguard.core.limit.LimitSnapshot.BucketLevel;
import dev.llmguard.core.model.Money;

/**
 * Gauges read from the engine's state when the registry is scraped: {@code llm.guard.budget.used}
 * (share 0..1 of each global budget in its current period), the burn-rate forecast of each global
 * budget ({@code llm.guard.budget.forecast.*}) and {@code llm.guard.bucket.available}
 * (what each rate-limit bucket can give now). A model-level limit is tagged
 * {@code limit=<model>/<limit>}, e.g. {@code gpt-4o/requests-per-minute}.
 */
public final class GuardStateMetrics implements MeterBinder {

	/** Share of a global budget used in its current period, spent plus reserved. */
	public static final String BUDGET_USED = "llm.guard.budget.used";

	/**
	 * Share of a global budget's limit its spend reaches by the period's end at the rate of the last
	 * 30 minutes (the larger of the cost and token shares); NaN without a forecast or a period's end.
	 */
	public static final String FORECAST_USED = "llm.guard.budget.forecast.used";

	/** USD a global budget with max-cost spends by the period's end at its recent rate. */
	public static final String FORECAST_SPEND = "llm.guard.budget.forecast.spend";

	/**
	 * Seconds until a global budget runs out at its recent rate: 0 when spent, +Inf when it does not run
	 * out before the period's end, NaN without a forecast.
	 */
	public static final String FORECAST_EXHAUSTION = "llm.guard.budget.forecast.exhaustion";

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
				forecastGauges(registry, budget);
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

	private void forecastGauges(MeterRegistry registry, BudgetSpec budget) {
		String name = budget.name();
		Gauge.builder(FORECAST_USED, this.engine, forecast(name, (forecast) -> projectedShare(budget, forecast)))
			.description("Share of a global llm-guard budget spent by the end of its period at the rate of the last 30 minutes")
			.tag("budget", name)
			.strongReference(true)
			.register(registry);
		if (budget.maxCost() != null) {
			Gauge.builder(FORECAST_SPEND, this.engine, forecast(name, (forecast) -> (forecast.projectedCostNanos() != null)
					? Money.toUsd(forecast.projectedCostNanos()).doubleValue() : Double.NaN))
				.description("USD a global llm-guard budget spends by the end of its period at the rate of the last 30 minutes")
				.baseUnit("usd")
				.tag("budget", name)
				.strongReference(true)
				.register(registry);
		}
		Gauge.builder(FORECAST_EXHAUSTION, this.engine, forecast(name, (forecast) -> {
			if (forecast.exhaustsAt() == null) {
				return Double.POSITIVE_INFINITY;
			}
			return Math.max(0, Duration.between(forecast.at(), forecast.exhaustsAt()).toMillis()) / 1000.0;
		}))
			.description("Seconds until a global llm-guard budget runs out at the rate of the last 30 minutes "
					+ "(+Inf: not before its period ends)")
			.baseUnit("seconds")
			.tag("budget", name)
			.strongReference(true)
			.register(registry);
	}

	private static ToDoubleFunction<LlmGuardEngine> forecast(String name, ToDoubleFunction<BudgetForecast> value) {
		return (engine) -> {
			BudgetForecast forecast = engine.budgets().forecast(name, "");
			return (forecast != null) ? value.applyAsDouble(forecast) : Double.NaN;
		};
	}

	/** The larger of the projected cost and token shares; a gauge's double, so exactness ends here. */
	private static double projectedShare(BudgetSpec budget, BudgetForecast forecast) {
		double share = Double.NaN;
		if (budget.maxCost() != null && forecast.projectedCostNanos() != null) {
			share = BigDecimal.valueOf(forecast.projectedCostNanos())
				.divide(BigDecimal.valueOf(budget.maxCostNanos()), 6, RoundingMode.HALF_UP)
				.doubleValue();
		}
		if (budget.maxTokens() != null && forecast.projectedTokens() != null) {
			double tokens = BigDecimal.valueOf(forecast.projectedTokens())
				.divide(BigDecimal.valueOf(budget.maxTokens()), 6, RoundingMode.HALF_UP)
				.doubleValue();
			share = Double.isNaN(share) ? tokens : Math.max(share, tokens);
		}
		return share;
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

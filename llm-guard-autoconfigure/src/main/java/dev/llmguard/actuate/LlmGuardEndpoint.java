package dev.llmguard.actuate;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;

import com.fasterxml.jackson.annotation.JsonInclude.Include;
import com.fasterxml.jackson.annotation.JsonInclude;

import org.springframework.boot.actuate.endpoint.Access;
import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.actuate.endpoint.OperationResponseBody;
import org.springframework.boot.actuate.endpoint.annotation.DeleteOperation;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;

import dev.llmguard.core.LlmGuardEngine;
import dev.llmguard.core.budget.BudgetForecast;
import dev.llmguard.core.breaker.BreakerState;
import dev.llmguard.core.budget.BudgetUsage;
import dev.llmguard.core.event.DecisionCounts;
import dev.llmguard.core.config.BudgetScope;
import dev.llmguard.core.config.BudgetSpec;
import dev.llmguard.core.config.ChainSpec;
import dev.llmguard.core.config.ProviderSpec;
import dev.llmguard.core.limit.LimitSnapshot.BucketLevel;
import dev.llmguard.core.limit.LimitSnapshot.LimitSource;
import dev.llmguard.core.limit.LimitSnapshot;
import dev.llmguard.core.limit.ToolLevel;
import dev.llmguard.core.model.ModelRef;
import dev.llmguard.core.model.Money;

/**
 * The {@code llmguard} endpoint: the state of every provider's limits and models, the chains, the
 * budgets and the tool limits ({@code GET /actuator/llmguard}); one tenant's or session's usage of a
 * budget ({@code GET /actuator/llmguard/{budget}/{key}}), and resetting it ({@code DELETE} on the
 * same path). Money is in US dollars, instants and durations in ISO-8601.
 * <p>
 * Read-only unless granted more: a reset gives spending back, so it is available only with
 * {@code management.endpoint.llmguard.access=unrestricted}.
 */
@Endpoint(id = "llmguard", defaultAccess = Access.READ_ONLY)
public class LlmGuardEndpoint {

	private final LlmGuardEngine engine;

	public LlmGuardEndpoint(LlmGuardEngine engine) {
		this.engine = Objects.requireNonNull(engine, "engine");
	}

	/** Everything the guard is limiting, as it stands now. */
	@ReadOperation
	public GuardDescriptor guard() {
		Instant now = this.engine.clock().instant();
		Map<String, ProviderDescriptor> providers = new TreeMap<>();
		this.engine.limiters()
			.snapshots()
			.forEach((name, snapshot) -> providers.put(name, provider(name, snapshot, now)));
		Map<String, List<String>> chains = new TreeMap<>();
		for (ChainSpec chain : this.engine.settings().chains().values()) {
			chains.put(chain.name(), chain.models().stream().map(ModelRef::toString).toList());
		}
		Map<String, BudgetDescriptor> budgets = new LinkedHashMap<>();
		for (BudgetSpec budget : this.engine.budgets().budgets()) {
			budgets.put(budget.name(), budget(budget));
		}
		Map<String, ToolDescriptor> tools = new TreeMap<>();
		this.engine.tools()
			.snapshot()
			.forEach((name, level) -> tools.put(name, tool(name, level)));
		return new GuardDescriptor(this.engine.budgets().backend(), providers, chains, budgets, tools,
				name(this.engine.modes().get().global()));
	}

	/**
	 * One key's usage of a budget in its current period.
	 * @param budget the budget's name
	 * @param key the tenant or session (any value for a global budget)
	 * @return the usage, or {@code null} (404) when no budget has that name
	 */
	@ReadOperation
	public BudgetUsageDescriptor budgetUsage(@Selector String budget, @Selector String key) {
		BudgetSpec spec = this.engine.budgets().budget(budget).orElse(null);
		if (spec == null) {
			return null;
		}
		return usage(spec, this.engine.budgets().usage(budget, key));
	}

	/**
	 * Forgets one key's spending and reservations of a budget, so the tenant or session can spend
	 * again at once. Mapped only where {@code management.endpoint.llmguard.access} is
	 * {@code unrestricted}.
	 * @param budget the budget's name
	 * @param key the tenant or session (any value for a global budget)
	 * @return the usage after the reset
	 */
	@DeleteOperation
	public BudgetUsageDescriptor resetBudget(@Selector String budget, @Selector String key) {
		BudgetSpec spec = this.engine.budgets()
			.budget(budget)
			.orElseThrow(() -> new InvalidEndpointRequestException(
					"No budget named '" + budget + "'; configured budgets: " + budgetNames(), "unknown budget"));
		this.engine.budgets().reset(budget, key);
		return usage(spec, this.engine.budgets().usage(budget, key));
	}

	private ProviderDescriptor provider(String name, LimitSnapshot snapshot, Instant now) {
		ProviderSpec spec = this.engine.settings().providers().get(name);
		Map<String, LimitDescriptor> limits = limits(snapshot.limits(), snapshot.sources());
		TreeSet<String> modelNames = new TreeSet<>();
		if (spec != null) {
			modelNames.addAll(spec.models().keySet());
		}
		for (ChainSpec chain : this.engine.settings().chains().values()) {
			chain.models().stream().filter((m) -> m.provider().equals(name)).forEach((m) -> modelNames.add(m.model()));
		}
		Map<String, ModelDescriptor> models = new LinkedHashMap<>();
		for (String model : modelNames) {
			ModelRef ref = new ModelRef(name, model);
			Instant until = this.engine.cooldowns().cooldownUntil(ref, now);
			Map<String, BucketLevel> own = snapshot.modelLimits().getOrDefault(model, Map.of());
			models.put(model, new ModelDescriptor((until != null) ? "cooling-down" : "available", until,
					own.isEmpty() ? null : limits(own, snapshot.modelSources().getOrDefault(model, Map.of())),
					breaker(this.engine.breakers().state(ref))));
		}
		return new ProviderDescriptor(limits, new ConcurrencyDescriptor(snapshot.maxConcurrent(), snapshot.inUse()),
				snapshot.waiting(), models, name(this.engine.modes().get().provider(name)),
				this.engine.decisions().of(DecisionCounts.Scope.PROVIDER, name, true));
	}

	private static BreakerDescriptor breaker(BreakerState state) {
		return new BreakerDescriptor(state.state().tag(), state.until(),
				(state.openFor() != null) ? state.openFor().toString() : null, state.recentFailures());
	}

	private static Map<String, LimitDescriptor> limits(Map<String, BucketLevel> levels,
			Map<String, LimitSource> sources) {
		Map<String, LimitDescriptor> limits = new LinkedHashMap<>();
		levels.forEach((limit, level) -> {
			LimitSource source = sources.get(limit);
			limits.put(limit, (source != null) ? new LimitDescriptor(level.capacity(), level.available(),
					source.declared(), source.learned(), source.reportedRemaining(), source.reportedAt())
					: new LimitDescriptor(level.capacity(), level.available()));
		});
		return limits;
	}

	private BudgetDescriptor budget(BudgetSpec budget) {
		if (budget.scope() == BudgetScope.GLOBAL) {
			BudgetUsage usage = this.engine.budgets().usage(budget.name(), "");
			return new BudgetDescriptor(name(budget.scope()), name(budget.period()), maxCost(budget),
					usd(usage.spentCostNanos()), usd(usage.reservedCostNanos()), budget.maxTokens(),
					usage.spentTokens(), usage.reservedTokens(), usage.resetsAt(),
					forecast(this.engine.budgets().forecast(budget.name(), "")), mode(budget),
					this.engine.decisions().of(DecisionCounts.Scope.BUDGET, budget.name(), true));
		}
		// per-key usage and forecast are at /llmguard/{budget}/{key}; keys are not listed
		return new BudgetDescriptor(name(budget.scope()), name(budget.period()), maxCost(budget), null, null,
				budget.maxTokens(), null, null, null, null, mode(budget),
				this.engine.decisions().of(DecisionCounts.Scope.BUDGET, budget.name(), true));
	}

	private String mode(BudgetSpec budget) {
		return name(this.engine.modes().get().budget(budget.name()));
	}

	private BudgetUsageDescriptor usage(BudgetSpec budget, BudgetUsage usage) {
		return new BudgetUsageDescriptor(budget.name(), name(budget.scope()), name(budget.period()), usage.key(),
				maxCost(budget), usd(usage.spentCostNanos()), usd(usage.reservedCostNanos()), budget.maxTokens(),
				usage.spentTokens(), usage.reservedTokens(), usage.periodStart(), usage.resetsAt(),
				forecast(this.engine.budgets().forecast(budget.name(), usage.key())));
	}

	private static ForecastDescriptor forecast(BudgetForecast forecast) {
		if (forecast == null) {
			return null;
		}
		return new ForecastDescriptor(forecast.rateSince(), forecast.window().toString(),
				usd(forecast.costNanosPerHour()), forecast.tokensPerHour(),
				(forecast.projectedCostNanos() != null) ? usd(forecast.projectedCostNanos()) : null,
				forecast.projectedTokens(), forecast.exhaustsAt(), forecast.runsOutBeforeReset());
	}

	private ToolDescriptor tool(String name, ToolLevel level) {
		return new ToolDescriptor(level.limit(), level.window().toString(), level.available(),
				name(this.engine.modes().get().tool(name)),
				this.engine.decisions().of(DecisionCounts.Scope.TOOL, name, true));
	}

	private List<String> budgetNames() {
		List<String> names = new ArrayList<>();
		this.engine.budgets().budgets().forEach((b) -> names.add(b.name()));
		return names;
	}

	private static BigDecimal maxCost(BudgetSpec budget) {
		return (budget.maxCost() != null) ? usd(budget.maxCostNanos()) : null;
	}

	/** Dollars written plainly with at least one decimal: 50.0, 1.234567, 0.01. */
	static BigDecimal usd(long nanos) {
		BigDecimal usd = Money.toUsd(nanos);
		return (usd.scale() < 1) ? usd.setScale(1) : usd;
	}

	private static String name(Enum<?> value) {
		return value.name().toLowerCase(Locale.ROOT);
	}

	/**
	 * The whole state, the body of {@code GET /actuator/llmguard}.
	 *
	 * @param backend where buckets and budgets live: {@code memory} or {@code redis}
	 * @param providers each provider's limits, concurrency, waiting calls and models
	 * @param chains each chain's models, most preferred first
	 * @param budgets each budget; usage for global budgets only
	 * @param tools each tool limit
	 * @param mode {@code enforce} or {@code shadow}: the mode of everything that sets none of its own
	 */
	@JsonInclude(Include.ALWAYS)
	public record GuardDescriptor(String backend, Map<String, ProviderDescriptor> providers,
			Map<String, List<String>> chains, Map<String, BudgetDescriptor> budgets,
			Map<String, ToolDescriptor> tools, String mode) implements OperationResponseBody {

		/** The state of an enforcing guard. */
		public GuardDescriptor(String backend, Map<String, ProviderDescriptor> providers,
				Map<String, List<String>> chains, Map<String, BudgetDescriptor> budgets,
				Map<String, ToolDescriptor> tools) {
			this(backend, providers, chains, budgets, tools, "enforce");
		}

	}

	/**
	 * One provider.
	 *
	 * @param limits provider-level limits by name ({@code requests-per-minute}, …)
	 * @param concurrency the concurrency cap and the calls holding a slot
	 * @param waiting calls waiting for capacity
	 * @param models each model's state
	 * @param mode {@code enforce} or {@code shadow}: whether the provider's rate, cooldown,
	 * context-window, retry and failover decisions act or are only counted
	 * @param shadowed decisions counted and not acted on, by decision ({@code wait}, {@code rate_limited},
	 * …); empty when none
	 */
	@JsonInclude(Include.ALWAYS)
	public record ProviderDescriptor(Map<String, LimitDescriptor> limits, ConcurrencyDescriptor concurrency,
			int waiting, Map<String, ModelDescriptor> models, String mode, Map<String, Long> shadowed) {

		/** An enforcing provider. */
		public ProviderDescriptor(Map<String, LimitDescriptor> limits, ConcurrencyDescriptor concurrency, int waiting,
				Map<String, ModelDescriptor> models) {
			this(limits, concurrency, waiting, models, "enforce", Map.of());
		}

	}

	/**
	 * One rate-limit bucket.
	 *
	 * @param capacity what the bucket holds: the declared limit times the headroom, or the limit the
	 * provider reported when lower; 0 while a limit to learn is not known yet
	 * @param available what it can give now (negative while in debt)
	 * @param declared the declared limit, {@code null} when none was declared
	 * @param learned the limit the provider's answers reported, {@code null} when none did
	 * @param remaining what the provider reported remaining in its last answer, {@code null} when none did
	 * @param remainingAt when it reported that
	 */
	@JsonInclude(Include.ALWAYS)
	public record LimitDescriptor(long capacity, long available, Long declared, Long learned, Long remaining,
			Instant remainingAt) {

		/** A bucket with nothing declared or learned known. */
		public LimitDescriptor(long capacity, long available) {
			this(capacity, available, null, null, null, null);
		}

	}

	/**
	 * A provider's concurrency.
	 *
	 * @param max the cap, or {@code null} for none
	 * @param inUse calls holding a slot
	 */
	@JsonInclude(Include.ALWAYS)
	public record ConcurrencyDescriptor(Integer max, int inUse) {
	}

	/**
	 * One model.
	 *
	 * @param state {@code available} or {@code cooling-down}
	 * @param cooldownUntil when the cooldown ends, or {@code null}
	 * @param limits the model's own limits, left out when it has none
	 * @param breaker the model's circuit breaker
	 */
	@JsonInclude(Include.ALWAYS)
	public record ModelDescriptor(String state, Instant cooldownUntil,
			@JsonInclude(Include.NON_NULL) Map<String, LimitDescriptor> limits, BreakerDescriptor breaker) {
	}

	/**
	 * A model's circuit breaker.
	 *
	 * @param state {@code closed}, {@code open}, {@code half-open} (the next call probes, or a probe
	 * is out), or {@code disabled}
	 * @param until when the open time ends ({@code open}), else {@code null}
	 * @param openFor the last open time, ISO-8601 ({@code PT1M}), {@code null} when closed
	 * @param recentFailures failures within the window while closed
	 */
	@JsonInclude(Include.ALWAYS)
	public record BreakerDescriptor(String state, Instant until, String openFor, int recentFailures) {
	}

	/**
	 * One budget. Usage fields are {@code null} for tenant and session budgets.
	 *
	 * @param scope {@code global}, {@code tenant} or {@code session}
	 * @param period {@code none}, {@code hour}, {@code day}, {@code week} or {@code month}
	 * @param maxCost limit in USD, or {@code null}
	 * @param spentCost spent in the current period, USD
	 * @param reservedCost held by calls in flight, USD
	 * @param maxTokens token limit, or {@code null}
	 * @param spentTokens tokens spent in the current period
	 * @param reservedTokens tokens held by calls in flight
	 * @param resetsAt end of the current period, or {@code null} when it never resets
	 * @param forecast where the spend is heading, for global budgets; {@code null} for tenant and session
	 * budgets (read one key's at {@code /llmguard/{budget}/{key}}) and while there is too little history
	 * @param mode {@code enforce} or {@code shadow}; a budget in shadow mode may show a spend above its cap
	 * @param shadowed decisions counted and not acted on ({@code budget_exceeded}, {@code downgrade},
	 * {@code shrink}); empty when none
	 */
	@JsonInclude(Include.ALWAYS)
	public record BudgetDescriptor(String scope, String period, BigDecimal maxCost, BigDecimal spentCost,
			BigDecimal reservedCost, Long maxTokens, Long spentTokens, Long reservedTokens, Instant resetsAt,
			ForecastDescriptor forecast, String mode, Map<String, Long> shadowed) {

		/** An enforcing budget. */
		public BudgetDescriptor(String scope, String period, BigDecimal maxCost, BigDecimal spentCost,
				BigDecimal reservedCost, Long maxTokens, Long spentTokens, Long reservedTokens, Instant resetsAt,
				ForecastDescriptor forecast) {
			this(scope, period, maxCost, spentCost, reservedCost, maxTokens, spentTokens, reservedTokens, resetsAt,
					forecast, "enforce", Map.of());
		}

	}

	/**
	 * Where a budget's spend is heading at its recent rate. For a global budget the rate is that of the
	 * last 30 minutes (less early in a period); for a tenant or session budget the average since the
	 * period started.
	 *
	 * @param rateSince start of the spend the rate is taken from
	 * @param window length of that spend, ISO-8601 ({@code PT30M})
	 * @param costPerHour USD spent per hour at the rate
	 * @param tokensPerHour tokens spent per hour at the rate
	 * @param projectedCost USD spent by the period's end at the rate, or {@code null} for period none
	 * @param projectedTokens tokens spent by the period's end at the rate, or {@code null} for period none
	 * @param exhaustsAt when the budget runs out at the rate, or {@code null} when it does not before the
	 * period's end
	 * @param runsOutBeforeReset whether it runs out before the period's end (never for period none)
	 */
	@JsonInclude(Include.ALWAYS)
	public record ForecastDescriptor(Instant rateSince, String window, BigDecimal costPerHour, long tokensPerHour,
			BigDecimal projectedCost, Long projectedTokens, Instant exhaustsAt, boolean runsOutBeforeReset) {
	}

	/**
	 * One key's usage of a budget, the body of {@code GET /actuator/llmguard/{budget}/{key}}.
	 *
	 * @param budget the budget's name
	 * @param scope {@code global}, {@code tenant} or {@code session}
	 * @param period the budget's period
	 * @param key the tenant or session; empty for a global budget
	 * @param maxCost limit in USD, or {@code null}
	 * @param spentCost spent in the current period, USD
	 * @param reservedCost held by calls in flight, USD
	 * @param maxTokens token limit, or {@code null}
	 * @param spentTokens tokens spent in the current period
	 * @param reservedTokens tokens held by calls in flight
	 * @param periodStart start of the current period
	 * @param resetsAt end of the current period, or {@code null} when it never resets
	 * @param forecast where the spend is heading, or {@code null} while there is too little history and
	 * for tenant and session budgets with period none (no history is kept per key)
	 */
	@JsonInclude(Include.ALWAYS)
	public record BudgetUsageDescriptor(String budget, String scope, String period, String key, BigDecimal maxCost,
			BigDecimal spentCost, BigDecimal reservedCost, Long maxTokens, long spentTokens, long reservedTokens,
			Instant periodStart, Instant resetsAt, ForecastDescriptor forecast) implements OperationResponseBody {
	}

	/**
	 * One tool limit.
	 *
	 * @param limit calls per window
	 * @param window the window, ISO-8601 ({@code PT1M})
	 * @param available calls that could run now (negative while in debt, after calls in shadow mode)
	 * @param mode {@code enforce} or {@code shadow}
	 * @param shadowed decisions counted and not acted on ({@code tool_limited}); empty when none
	 */
	@JsonInclude(Include.ALWAYS)
	public record ToolDescriptor(long limit, String window, long available, String mode, Map<String, Long> shadowed) {

		/** An enforcing tool limit. */
		public ToolDescriptor(long limit, String window, long available) {
			this(limit, window, available, "enforce", Map.of());
		}

	}

}

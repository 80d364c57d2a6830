package dev.llmguard.core.config;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import dev.llmguard.core.model.ModelRef;

/**
 * The whole configuration of the engine, immutable. The Spring layer builds it from
 * {@code llm.guard.*}; code without Spring builds it with {@link #builder()}.
 */
public record GuardSettings(double headroom, ZoneId zone, BigDecimal defaultInputPrice,
		BigDecimal defaultOutputPrice, int defaultMaxOutputTokens, int minOutputTokens, boolean shrinkToFit,
		Duration defaultMaxWait, RetrySettings retry,
		PriorityReserve priorityReserve, Map<String, ProviderSpec> providers, Map<String, ChainSpec> chains,
		Map<String, BudgetSpec> budgets, Map<String, ToolSpec> tools, BreakerSettings breaker, GuardModes modes) {

	public GuardSettings {
		if (modes == null) {
			modes = GuardModes.ENFORCE;
		}
		if (!(headroom > 0 && headroom <= 1)) {
			throw new IllegalArgumentException("headroom must be in (0, 1], was " + headroom);
		}
		if (minOutputTokens < 1) {
			throw new IllegalArgumentException("min-output-tokens must be at least 1, was " + minOutputTokens);
		}
		providers = Map.copyOf(providers);
		chains = Map.copyOf(chains);
		budgets = Map.copyOf(budgets);
		tools = Map.copyOf(tools);
		breaker = (breaker != null) ? breaker : BreakerSettings.DEFAULT;
	}

	/** Settings with the default circuit breakers ({@link BreakerSettings#DEFAULT}), everything enforced. */
	public GuardSettings(double headroom, ZoneId zone, BigDecimal defaultInputPrice, BigDecimal defaultOutputPrice,
			int defaultMaxOutputTokens, int minOutputTokens, boolean shrinkToFit, Duration defaultMaxWait,
			RetrySettings retry, PriorityReserve priorityReserve, Map<String, ProviderSpec> providers,
			Map<String, ChainSpec> chains, Map<String, BudgetSpec> budgets, Map<String, ToolSpec> tools) {
		this(headroom, zone, defaultInputPrice, defaultOutputPrice, defaultMaxOutputTokens, minOutputTokens,
				shrinkToFit, defaultMaxWait, retry, priorityReserve, providers, chains, budgets, tools,
				BreakerSettings.DEFAULT, GuardModes.ENFORCE);
	}

	/** Whether a budget shrinks a call's output allowance to fit: its own setting, else the default. */
	public boolean shrinksToFit(BudgetSpec budget) {
		return (budget.shrinkToFit() != null) ? budget.shrinkToFit() : this.shrinkToFit;
	}

	public Optional<ModelSpec> model(ModelRef ref) {
		ProviderSpec provider = this.providers.get(ref.provider());
		return Optional.ofNullable((provider != null) ? provider.models().get(ref.model()) : null);
	}

	public static Builder builder() {
		return new Builder();
	}

	/** Builder with the documented defaults. */
	public static final class Builder {

		private double headroom = 0.8;

		private ZoneId zone = ZoneId.of("UTC");

		private BigDecimal defaultInputPrice = new BigDecimal("5.00");

		private BigDecimal defaultOutputPrice = new BigDecimal("15.00");

		private int defaultMaxOutputTokens = 1024;

		private int minOutputTokens = 256;

		private boolean shrinkToFit = true;

		private Duration defaultMaxWait = Duration.ofSeconds(30);

		private RetrySettings retry = RetrySettings.DEFAULT;

		private PriorityReserve priorityReserve = PriorityReserve.DEFAULT;

		private final Map<String, ProviderSpec> providers = new LinkedHashMap<>();

		private final Map<String, ChainSpec> chains = new LinkedHashMap<>();

		private final Map<String, BudgetSpec> budgets = new LinkedHashMap<>();

		private final Map<String, ToolSpec> tools = new LinkedHashMap<>();

		private BreakerSettings breaker = BreakerSettings.DEFAULT;

		private GuardModes modes = GuardModes.ENFORCE;

		public Builder headroom(double headroom) {
			this.headroom = headroom;
			return this;
		}

		public Builder zone(ZoneId zone) {
			this.zone = zone;
			return this;
		}

		public Builder defaultPrices(BigDecimal input, BigDecimal output) {
			this.defaultInputPrice = input;
			this.defaultOutputPrice = output;
			return this;
		}

		/**
		 * The smallest output allowance a call is shrunk to when a budget cannot afford its whole
		 * allowance; below it the budget rejects or downgrades the call.
		 */
		public Builder minOutputTokens(int tokens) {
			this.minOutputTokens = tokens;
			return this;
		}

		/** Whether budgets shrink a call's output allowance to fit (each budget may say otherwise). */
		public Builder shrinkToFit(boolean shrinkToFit) {
			this.shrinkToFit = shrinkToFit;
			return this;
		}

		public Builder defaultMaxOutputTokens(int tokens) {
			this.defaultMaxOutputTokens = tokens;
			return this;
		}

		public Builder defaultMaxWait(Duration maxWait) {
			this.defaultMaxWait = maxWait;
			return this;
		}

		public Builder retry(RetrySettings retry) {
			this.retry = retry;
			return this;
		}

		public Builder priorityReserve(PriorityReserve reserve) {
			this.priorityReserve = reserve;
			return this;
		}

		public Builder provider(ProviderSpec provider) {
			this.providers.put(provider.name(), provider);
			return this;
		}

		public Builder chain(ChainSpec chain) {
			this.chains.put(chain.name(), chain);
			return this;
		}

		public Builder budget(BudgetSpec budget) {
			this.budgets.put(budget.name(), budget);
			return this;
		}

		public Builder tool(ToolSpec tool) {
			this.tools.put(tool.name(), tool);
			return this;
		}

		/** The models' circuit breakers ({@link BreakerSettings#DISABLED} for none). */
		public Builder breaker(BreakerSettings breaker) {
			this.breaker = breaker;
			return this;
		}

		/** Whether decisions act or are only counted, globally and per provider, budget and tool. */
		public Builder modes(GuardModes modes) {
			this.modes = modes;
			return this;
		}

		public GuardSettings build() {
			return new GuardSettings(this.headroom, this.zone, this.defaultInputPrice, this.defaultOutputPrice,
					this.defaultMaxOutputTokens, this.minOutputTokens, this.shrinkToFit, this.defaultMaxWait, this.retry,
					this.priorityReserve, this.providers, this.chains, this.budgets, this.tools, this.breaker, this.modes);
		}

	}

}

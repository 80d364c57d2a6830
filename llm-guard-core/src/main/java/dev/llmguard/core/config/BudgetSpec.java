package dev.llmguard.core.config;

import java.math.BigDecimal;
import java.util.Objects;

/**
 * A configured budget.
 *
 * @param name budget name
 * @param scope who it is counted for
 * @param period calendar period
 * @param maxCost USD limit, or {@code null}
 * @param maxTokens token limit, or {@code null}
 * @param warnAt share (0, 1] at which a warning is raised
 * @param onExceeded reject or downgrade
 * @param shrinkToFit whether a call whose worst case this budget cannot afford is given a smaller output
 * allowance that it can ({@code null}: the engine's default)
 */
public record BudgetSpec(String name, BudgetScope scope, BudgetPeriod period, BigDecimal maxCost, Long maxTokens,
		double warnAt, OnExceeded onExceeded, Boolean shrinkToFit) {

	/** A budget that shrinks calls to fit as the engine does by default. */
	public BudgetSpec(String name, BudgetScope scope, BudgetPeriod period, BigDecimal maxCost, Long maxTokens,
			double warnAt, OnExceeded onExceeded) {
		this(name, scope, period, maxCost, maxTokens, warnAt, onExceeded, null);
	}

	public BudgetSpec {
		Objects.requireNonNull(name, "name");
		Objects.requireNonNull(scope, "scope");
		Objects.requireNonNull(period, "period");
		Objects.requireNonNull(onExceeded, "onExceeded");
		if (maxCost == null && maxTokens == null) {
			throw new IllegalArgumentException("budget '" + name + "' needs max-cost or max-tokens");
		}
	}

	/**
	 * This budget without its cap, for a shadowed reservation: counted under the same name, scope and
	 * period, never refused.
	 */
	public BudgetSpec uncapped() {
		return new BudgetSpec(this.name, this.scope, this.period, null, Long.MAX_VALUE, this.warnAt, this.onExceeded,
				this.shrinkToFit);
	}

	/** The cost limit in nano-dollars, or {@code Long.MAX_VALUE}. */
	public long maxCostNanos() {
		return (this.maxCost != null) ? dev.llmguard.core.model.Money.fromUsd(this.maxCost) : Long.MAX_VALUE;
	}

	/** The token limit, or {@code Long.MAX_VALUE}. */
	public long maxTokensOrUnlimited() {
		return (this.maxTokens != null) ? this.maxTokens : Long.MAX_VALUE;
	}

}

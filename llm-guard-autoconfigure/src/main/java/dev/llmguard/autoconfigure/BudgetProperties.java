package dev.llmguard.autoconfigure;

import dev.llmguard.core.config.GuardMode;
import java.math.BigDecimal;

import dev.llmguard.core.config.BudgetPeriod;
import dev.llmguard.core.config.BudgetScope;
import dev.llmguard.core.config.OnExceeded;

/** A budget ({@code llm.guard.budgets.<name>.*}): max-cost and/or max-tokens per period. */
public class BudgetProperties {

	/** Who the budget is counted for: global, tenant or session. */
	/**
	 * Whether this budget rejects, downgrades and shrinks calls (enforce) or only counts what it would
	 * have done (shadow: spend goes past the cap); unset: llm.guard.mode.
	 */
	private GuardMode mode;

	private BudgetScope scope = BudgetScope.GLOBAL;

	/**
	 * Calendar period after which the budget starts again, in llm.guard.zone: none (never), hour,
	 * day, week or month.
	 */
	private BudgetPeriod period = BudgetPeriod.NONE;

	/** Most USD that may be spent per period and scope key. */
	private BigDecimal maxCost;

	/** Most tokens (input plus output) that may be used per period and scope key. */
	private Long maxTokens;

	/** Share of the budget, greater than 0 and at most 1, at which a warning is raised. */
	private double warnAt = 0.8;

	/**
	 * What happens to a call the budget cannot afford: reject it, or downgrade it to the next
	 * (cheaper) model of its chain.
	 */
	private OnExceeded onExceeded = OnExceeded.REJECT;

	/**
	 * Whether this budget lowers the output allowance of a call it cannot afford whole to what it still
	 * affords (no lower than llm.guard.estimation.min-output-tokens) before it rejects or downgrades.
	 * Unset: llm.guard.estimation.shrink-to-fit.
	 */
	private Boolean shrinkToFit;

	public GuardMode getMode() {
		return this.mode;
	}

	public void setMode(GuardMode mode) {
		this.mode = mode;
	}

	public BudgetScope getScope() {
		return this.scope;
	}

	public void setScope(BudgetScope scope) {
		this.scope = scope;
	}

	public BudgetPeriod getPeriod() {
		return this.period;
	}

	public void setPeriod(BudgetPeriod period) {
		this.period = period;
	}

	public BigDecimal getMaxCost() {
		return this.maxCost;
	}

	public void setMaxCost(BigDecimal maxCost) {
		this.maxCost = maxCost;
	}

	public Long getMaxTokens() {
		return this.maxTokens;
	}

	public void setMaxTokens(Long maxTokens) {
		this.maxTokens = maxTokens;
	}

	public double getWarnAt() {
		return this.warnAt;
	}

	public void setWarnAt(double warnAt) {
		this.warnAt = warnAt;
	}

	public Boolean getShrinkToFit() {
		return this.shrinkToFit;
	}

	public void setShrinkToFit(Boolean shrinkToFit) {
		this.shrinkToFit = shrinkToFit;
	}

	public OnExceeded getOnExceeded() {
		return this.onExceeded;
	}

	public void setOnExceeded(OnExceeded onExceeded) {
		this.onExceeded = onExceeded;
	}

}

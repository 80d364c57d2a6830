package dev.llmguard.core.budget;

import java.math.BigDecimal;

import dev.llmguard.core.config.BudgetPeriod;
import dev.llmguard.core.config.BudgetScope;
import dev.llmguard.core.config.BudgetSpec;
import dev.llmguard.core.config.OnExceeded;
import dev.llmguard.core.model.Money;

/** Budgets for tests. */
final class BudgetTestSupport {

	private BudgetTestSupport() {
	}

	static BudgetSpec costBudget(String name, BudgetScope scope, BudgetPeriod period, String maxUsd) {
		return new BudgetSpec(name, scope, period, new BigDecimal(maxUsd), null, 0.8, OnExceeded.REJECT);
	}

	static BudgetSpec tokenBudget(String name, BudgetScope scope, BudgetPeriod period, long maxTokens) {
		return new BudgetSpec(name, scope, period, null, maxTokens, 0.8, OnExceeded.REJECT);
	}

	static long usd(String usd) {
		return Money.fromUsd(new BigDecimal(usd));
	}

}

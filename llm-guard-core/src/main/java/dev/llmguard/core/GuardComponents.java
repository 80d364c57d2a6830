package dev.llmguard.core;

import dev.llmguard.core.breaker.CircuitBreakers;
import dev.llmguard.core.budget.Budgets;
import dev.llmguard.core.config.CurrentModes;
import dev.llmguard.core.config.GuardSettings;
import dev.llmguard.core.event.GuardListener;
import dev.llmguard.core.limit.CooldownStore;
import dev.llmguard.core.limit.RateLimiters;
import dev.llmguard.core.pricing.PricingCatalog;
import dev.llmguard.core.retry.BackoffCalculator;
import dev.llmguard.core.retry.ErrorClassifier;
import dev.llmguard.core.time.GuardClock;
import dev.llmguard.core.token.TokenEstimator;

/**
 * What one guarded call works with, built once per engine and handed to each {@link CallExecution}:
 * the call asks these, never the engine.
 *
 * @param modes the modes in force now (changed at runtime)
 * @param classifier classifies failures (never answers {@code null})
 * @param usage finds usage in results
 * @param events where the call's events go
 * @param answers the chains' caches of last answers
 * @param breakers the models' circuit breakers
 */
record GuardComponents(GuardSettings settings, CurrentModes modes, GuardClock clock, CallRouting routing, RateLimiters limiters,
		Budgets budgets, PricingCatalog pricing, CooldownStore cooldowns, TokenEstimator estimator,
		ErrorClassifier classifier, UsageExtractor usage, GuardListener events, BackoffCalculator backoff,
		CachedAnswers answers, CircuitBreakers breakers) {
}

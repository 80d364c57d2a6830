package dev.llmguard.actuate;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

import dev.llmguard.core.LlmGuardEngine;
import dev.llmguard.core.budget.BudgetStatus;

/**
 * The {@code llmGuard} health contributor: DOWN when the backend holding buckets and budgets
 * cannot be reached; otherwise UP, with the global budgets that have reached their {@code warn-at}
 * in their current period (a nearly spent budget needs a person, but the application still works).
 */
public class LlmGuardHealthIndicator extends AbstractHealthIndicator {

	private final LlmGuardEngine engine;

	private final BackendHealth backend;

	/**
	 * @param engine the guard
	 * @param backend the probe of the backend
	 */
	public LlmGuardHealthIndicator(LlmGuardEngine engine, BackendHealth backend) {
		super("llm-guard health check failed");
		this.engine = Objects.requireNonNull(engine, "engine");
		this.backend = Objects.requireNonNull(backend, "backend");
	}

	@Override
	protected void doHealthCheck(Health.Builder builder) {
		builder.withDetail("backend", this.backend.backend());
		Map<String, Object> details;
		try {
			details = this.backend.check();
		}
		catch (Exception ex) {
			builder.down(ex);
			return;
		}
		if (details != null) {
			builder.withDetails(details);
		}
		Map<String, Object> pastWarnAt = new LinkedHashMap<>();
		for (BudgetStatus status : this.engine.budgets().globalStatuses()) {
			if (status.pastWarnAt()) {
				pastWarnAt.put(status.budget().name(),
						Map.of("usedShare", status.usedShare(), "warnAt", status.budget().warnAt()));
			}
		}
		builder.up().withDetail("budgetsPastWarnAt", pastWarnAt);
	}

}

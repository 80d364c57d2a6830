package dev.llmguard.core.event;

import java.time.Duration;
import java.time.Instant;

import dev.llmguard.core.model.Usage;

/**
 * Something the guard did or decided. Listeners ({@link GuardListener}) turn events into metrics,
 * logs and the events endpoint. Events never carry prompt or response text.
 */
public sealed interface GuardEvent {

	Instant time();

	/** Short kebab-case type name, e.g. {@code call-finished}. */
	String type();

	/**
	 * A guarded call ended.
	 * @param outcome {@code success}, {@code rate_limited}, {@code budget_exceeded}, {@code failed},
	 * {@code fallback_response} or {@code cached_response}
	 * @param usage tokens settled ({@code null} when nothing was sent)
	 * @param costNanos cost settled in nano-dollars
	 * @param usageEstimated whether the provider reported no usage and the estimate was settled
	 */
	record CallFinished(Instant time, String provider, String model, String chain, String outcome, Usage usage,
			long costNanos, boolean usageEstimated, Duration duration) implements GuardEvent {
		@Override
		public String type() {
			return "call-finished";
		}
	}

	/** A call waited for capacity. */
	record Waited(Instant time, String provider, String model, int priority, Duration waited) implements GuardEvent {
		@Override
		public String type() {
			return "wait";
		}
	}

	/** A failed attempt is retried after a pause. */
	record Retried(Instant time, String provider, String model, int attempt, String reason, Duration backoff)
			implements GuardEvent {
		@Override
		public String type() {
			return "retry";
		}
	}

	/**
	 * A call moved on from one model of a chain to the next, or to the fallback response.
	 * @param to the next model, {@code cached_response} or {@code fallback_response}
	 */
	record FellBack(Instant time, String chain, String from, String to, String reason) implements GuardEvent {
		@Override
		public String type() {
			return "fallback";
		}
	}

	/** A model is skipped by its chain until {@code until}. */
	record CooledDown(Instant time, String provider, String model, Instant until, String reason)
			implements GuardEvent {
		@Override
		public String type() {
			return "cooldown";
		}
	}

	/**
	 * A model's circuit breaker changed: it opened (or its open time grew), a call became its
	 * half-open probe, or the probe's success closed it.
	 * @param state {@code open}, {@code half-open} or {@code closed}
	 * @param until when the open time ends ({@code open}), else {@code null}
	 * @param openFor the open time ({@code open}), else {@code null}
	 * @param reason why: the failures that opened it, a failure while open or half-open, the probe
	 */
	record BreakerChanged(Instant time, String provider, String model, String state, Instant until,
			Duration openFor, String reason) implements GuardEvent {
		@Override
		public String type() {
			return "circuit-breaker";
		}
	}

	/**
	 * A call's worst case did not fit a budget, and a smaller answer did: its output allowance was
	 * lowered to what the budget still affords, instead of rejecting or downgrading it.
	 * @param budget the budget that could not afford the whole allowance
	 * @param fromTokens the allowance asked for
	 * @param toTokens the allowance reserved, and written into the request that leaves
	 */
	record Shrunk(Instant time, String provider, String model, String budget, long fromTokens, long toTokens)
			implements GuardEvent {
		@Override
		public String type() {
			return "shrunk";
		}
	}

	/**
	 * A decision that acts on a call (or, in shadow mode, would have): counted in both modes, so shadow
	 * counts can be read against enforced ones. In enforce mode the event of the action itself
	 * ({@link Waited}, {@link Rejected}, {@link FellBack}, {@link Shrunk}, {@link CooledDown},
	 * {@link Retried}, {@link ToolCalled}) is raised as before; in shadow mode only this one is.
	 * @param decision {@code wait}, {@code rate_limited}, {@code budget_exceeded}, {@code downgrade},
	 * {@code shrink}, {@code context_window}, {@code cooldown_skip}, {@code retry}, {@code failover} or
	 * {@code tool_limited}
	 * @param shadowed whether it was only counted (shadow mode) rather than acted on
	 * @param provider the provider of the call, or {@code null} for a tool's limit
	 * @param model the model of the call, or {@code null} for a tool's limit
	 * @param budget the budget that decided, or {@code null}
	 * @param tool the tool whose limit decided, or {@code null}
	 * @param detail what decided, in a few words (never prompt or response text)
	 */
	record Decided(Instant time, String decision, boolean shadowed, String provider, String model, String budget,
			String tool, String detail) implements GuardEvent {
		@Override
		public String type() {
			return "decision";
		}
	}

	/**
	 * A call was rejected.
	 * @param reason {@code rate_limited}, {@code budget_exceeded}, {@code context_window} or
	 * {@code tool_limited}
	 */
	record Rejected(Instant time, String provider, String model, String reason, String detail)
			implements GuardEvent {
		@Override
		public String type() {
			return "rejected";
		}
	}

	/**
	 * An attempt whose outcome is unknown (a read timeout, a connection lost after sending, a call or
	 * stream cancelled after its request left) was charged its reserved worst case: the provider may
	 * have processed and billed it. The usage is an estimate.
	 * @param usage the tokens charged (the input estimate and the whole output allowance)
	 * @param costNanos the cost charged in nano-dollars
	 * @param reason why the outcome is unknown
	 */
	record Charged(Instant time, String provider, String model, Usage usage, long costNanos, String reason)
			implements GuardEvent {
		@Override
		public String type() {
			return "charged";
		}
	}

	/**
	 * A budget crossed its warn-at share for the first time in its period.
	 * @param key tenant or session key, empty for a global budget
	 */
	record BudgetWarning(Instant time, String budget, String key, double usedShare, Instant periodStart)
			implements GuardEvent {
		@Override
		public String type() {
			return "budget-warning";
		}
	}

	/**
	 * At the rate of its recent spend, a budget runs out before its period ends; raised once per budget
	 * and period.
	 * @param key tenant or session key, empty for a global budget
	 * @param exhaustsAt when the budget runs out at this rate
	 * @param resetsAt when its period ends
	 * @param window the length of recent spend the rate is taken from
	 * @param costNanosPerHour the rate in nano-dollars per hour
	 * @param tokensPerHour the rate in tokens per hour
	 */
	record BudgetForecast(Instant time, String budget, String key, Instant exhaustsAt, Instant resetsAt,
			Duration window, long costNanosPerHour, long tokensPerHour, Instant periodStart) implements GuardEvent {
		@Override
		public String type() {
			return "budget-forecast";
		}
	}

	/**
	 * A tool call was counted.
	 * @param outcome {@code allowed}, {@code fallback} or {@code rejected}
	 */
	record ToolCalled(Instant time, String tool, String outcome) implements GuardEvent {
		@Override
		public String type() {
			return "tool-call";
		}
	}

	/**
	 * The shared backend failed and the configured failure mode was applied.
	 * @param mode {@code fail-open} or {@code fail-closed}
	 */
	record BackendFailed(Instant time, String backend, String mode, String message) implements GuardEvent {
		@Override
		public String type() {
			return "backend-failure";
		}
	}

	/**
	 * A provider's answer told a limit: the first one of a limit that was to be learned, or one lower than
	 * the declared limit (told once), which is used from now on.
	 * @param model the model whose limit it is, or {@code null} for a provider-level limit
	 * @param limit the limit's name, e.g. {@code tokens-per-minute}
	 * @param declared the declared limit, or {@code null} when none was declared
	 * @param reported the limit the provider reported
	 */
	record LimitLearned(Instant time, String provider, String model, String limit, Long declared, long reported)
			implements GuardEvent {
		@Override
		public String type() {
			return "limit-learned";
		}
	}

	/**
	 * A model's quota is spent (not a rate limit): it is closed until {@code resetsAt}, without retries,
	 * and chains move on to their next model.
	 * @param resetsAt when the quota resets: from the provider's headers, else the next midnight in the
	 * provider's quota zone
	 * @param detail what the provider answered (a status and code, never a body)
	 */
	record QuotaExhausted(Instant time, String provider, String model, Instant resetsAt, String detail)
			implements GuardEvent {
		@Override
		public String type() {
			return "quota-exhausted";
		}
	}

	/**
	 * Limits changed at runtime: through the actuator, a refresh of the Environment, or a reset to the
	 * configured values.
	 * @param principal who changed them ({@code null} without Spring Security, and for a refresh)
	 * @param source {@code actuator}, {@code actuator-reset} or {@code environment}
	 * @param changes each setting's old and new value
	 */
	record LimitsChanged(Instant time, String principal, String source, java.util.List<LimitChange> changes)
			implements GuardEvent {

		public LimitsChanged {
			changes = java.util.List.copyOf(changes);
		}

		@Override
		public String type() {
			return "limits-changed";
		}
	}

	/**
	 * One setting changed at runtime.
	 * @param setting its name under {@code llm.guard}, e.g. {@code providers.openai.requests-per-minute}
	 * @param oldValue the value before ({@code null}: none)
	 * @param newValue the value after
	 * @param configured the configured value (what a reset returns to)
	 */
	record LimitChange(String setting, String oldValue, String newValue, String configured) {
	}

}

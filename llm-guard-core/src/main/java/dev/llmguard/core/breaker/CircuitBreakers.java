package dev.llmguard.core.breaker;

import java.time.Duration;
import java.util.Objects;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.llmguard.core.config.BreakerPolicy;
import dev.llmguard.core.config.BreakerSettings;
import dev.llmguard.core.event.GuardEvent;
import dev.llmguard.core.event.GuardListener;
import dev.llmguard.core.model.ModelRef;
import dev.llmguard.core.retry.FailureKind;
import dev.llmguard.core.time.GuardClock;

/**
 * The circuit breaker of every model: the policy of each ({@link BreakerSettings}) over a
 * {@link BreakerStore}, and the {@link GuardEvent.BreakerChanged} event of each change. A call asks
 * {@link #pass} before it takes anything of a model, reports a failure that shows the model unwell
 * ({@link #counts}) with {@link #failed}, and ends the half-open probe it holds with
 * {@link #probeSucceeded} or {@link #probeAbandoned}.
 */
public final class CircuitBreakers {

	private static final Logger logger = LoggerFactory.getLogger(CircuitBreakers.class);

	/** While a probe is out, a refused caller is told to come back this soon: the probe decides in one call's time. */
	static final Duration PROBING_RETRY_AFTER = Duration.ofSeconds(1);

	private final BreakerSettings settings;

	private final BreakerStore store;

	private final GuardClock clock;

	public CircuitBreakers(BreakerSettings settings, BreakerStore store, GuardClock clock) {
		this.settings = Objects.requireNonNull(settings, "settings");
		this.store = Objects.requireNonNull(store, "store");
		this.clock = Objects.requireNonNull(clock, "clock");
	}

	/**
	 * Whether a failure of this kind counts against the model's breaker: 5xx, timeouts and connection
	 * errors, 529, and 429s the retries did not cure (rate limits and spent quotas). Errors of the
	 * request itself (400, 401, a context too long, the application's own) say nothing of the model.
	 */
	public static boolean counts(FailureKind kind) {
		return kind == FailureKind.TRANSIENT || kind == FailureKind.OVERLOADED || kind == FailureKind.RATE_LIMITED
				|| kind == FailureKind.QUOTA_EXHAUSTED;
	}

	/**
	 * Asks the model's breaker to let a call through. A call that becomes the half-open probe gets its
	 * token and must end it ({@link #probeSucceeded}, {@link #failed} or {@link #probeAbandoned}).
	 * @param events receives the change when the call becomes the probe
	 */
	public BreakerPass pass(ModelRef model, GuardListener events) {
		if (!this.settings.policy(model).enabled()) {
			return BreakerPass.CLOSED;
		}
		BreakerPass pass = this.store.pass(model);
		if (pass.kind() == BreakerPass.Kind.PROBE) {
			logger.debug("llm-guard: circuit breaker of {} is half-open; this call probes", model);
			events.onEvent(new GuardEvent.BreakerChanged(this.clock.instant(), model.provider(), model.model(),
					BreakerState.State.HALF_OPEN.tag(), null, null, "probe admitted"));
		}
		else if (pass.kind() == BreakerPass.Kind.PROBING && pass.retryAfter().compareTo(PROBING_RETRY_AFTER) > 0) {
			return new BreakerPass(pass.kind(), pass.until(), PROBING_RETRY_AFTER, 0);
		}
		return pass;
	}

	/**
	 * Counts a failure of a model against its breaker.
	 * @param cooldown the call's chain's cooldown, how long the breaker opens; {@code null} or zero for
	 * the policy's {@code open-for}
	 * @param reason the failure's kind, for the event
	 * @param events receives the change when the breaker opens or its open time grows
	 */
	public void failed(ModelRef model, Duration cooldown, String reason, GuardListener events) {
		BreakerPolicy policy = this.settings.policy(model);
		if (!policy.enabled()) {
			return;
		}
		Duration openFor = (cooldown != null && !cooldown.isNegative() && !cooldown.isZero()) ? cooldown : policy.openFor();
		BreakerChange change = this.store.failed(model, policy, openFor);
		String why = switch (change.kind()) {
			case COUNTED, UNCHANGED -> null;
			case OPENED -> policy.failures() + " failures within " + policy.window() + " (last: " + reason + ")";
			case EXTENDED -> "failed again while open (" + reason + ")";
			case REOPENED -> "failed while half-open (" + reason + ")";
		};
		if (why == null) {
			return;
		}
		if (change.kind() == BreakerChange.Kind.OPENED) {
			logger.warn("llm-guard: circuit breaker of {} opened until {} after {}; calls skip it until then", model,
					change.until(), why);
		}
		else {
			logger.info("llm-guard: circuit breaker of {} stays open until {} ({} open): {}", model, change.until(),
					change.openFor(), why);
		}
		events.onEvent(new GuardEvent.BreakerChanged(this.clock.instant(), model.provider(), model.model(),
				BreakerState.State.OPEN.tag(), change.until(), change.openFor(), why));
	}

	/** The probe a call held succeeded: the model's breaker closes (unless its lease had run out). */
	public void probeSucceeded(ModelRef model, long token, GuardListener events) {
		if (this.store.probeSucceeded(model, token)) {
			logger.info("llm-guard: circuit breaker of {} closed: its probe succeeded", model);
			events.onEvent(new GuardEvent.BreakerChanged(this.clock.instant(), model.provider(), model.model(),
					BreakerState.State.CLOSED.tag(), null, null, "probe succeeded"));
		}
	}

	/** The probe a call held ends without an answer from the model: the next call probes. */
	public void probeAbandoned(ModelRef model, long token) {
		this.store.probeAbandoned(model, token);
	}

	/** The model's breaker as it stands ({@link BreakerState.State#DISABLED} when it has none). */
	public BreakerState state(ModelRef model) {
		BreakerPolicy policy = this.settings.policy(model);
		if (!policy.enabled()) {
			return new BreakerState(BreakerState.State.DISABLED, null, null, 0);
		}
		return this.store.state(model, policy.window());
	}

	/** The policies. */
	public BreakerSettings settings() {
		return this.settings;
	}

}

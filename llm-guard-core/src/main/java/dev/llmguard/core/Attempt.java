package dev.llmguard.core;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;

import dev.llmguard.core.budget.BudgetReservation;
import dev.llmguard.core.config.ModelSpec;
import dev.llmguard.core.limit.RatePermit;
import dev.llmguard.core.model.ModelRef;

/**
 * One model admitted for a call: its rate permit and budget reservation, held until the call
 * settles or gives the model up.
 */
public final class Attempt {

	private final ModelRef model;

	private final ModelSpec spec;

	private volatile RatePermit permit;

	private volatile BudgetReservation reservation;

	private volatile long maxOutputTokens;

	private volatile LlmGuardContext context;

	private final AtomicBoolean closed = new AtomicBoolean();

	private volatile boolean settled;

	private static final AtomicReferenceFieldUpdater<Attempt, Try> CURRENT_TRY = AtomicReferenceFieldUpdater
		.newUpdater(Attempt.class, Try.class, "currentTry");

	/** What the current try did; each try has its own, made when a driver first tells of it. */
	private volatile Try currentTry;

	Attempt(ModelRef model, ModelSpec spec, RatePermit permit, BudgetReservation reservation, long maxOutputTokens,
			LlmGuardContext context) {
		this.model = model;
		this.spec = spec;
		this.permit = permit;
		this.reservation = reservation;
		this.maxOutputTokens = maxOutputTokens;
		this.context = context;
	}

	public ModelRef model() {
		return this.model;
	}

	/** The configured model, or {@code null} for a model the configuration does not list. */
	public ModelSpec spec() {
		return this.spec;
	}

	public LlmGuardContext context() {
		return this.context;
	}

	public long maxOutputTokens() {
		return this.maxOutputTokens;
	}

	RatePermit permit() {
		return this.permit;
	}

	BudgetReservation reservation() {
		return this.reservation;
	}

	/**
	 * Holds another budget reservation and output allowance for the same try, before its request
	 * left (the first request inside a call brought a bigger prompt than the call was admitted with).
	 */
	void refit(BudgetReservation reservation, long maxOutputTokens, LlmGuardContext context) {
		this.reservation = reservation;
		this.maxOutputTokens = maxOutputTokens;
		this.context = context;
	}

	/** The current try: whether its request left, came back, and what it streamed. */
	Try currentTry() {
		for (;;) {
			Try current = this.currentTry;
			if (current != null) {
				return current;
			}
			Try fresh = new Try();
			if (CURRENT_TRY.compareAndSet(this, null, fresh)) {
				return fresh;
			}
		}
	}

	void nextTry(LlmGuardContext context) {
		this.context = context;
		this.currentTry = null;
	}

	/**
	 * Holds fresh capacity for the next try of a model whose last try was charged (its outcome was
	 * unknown, so the provider may bill it): the attempt is open again.
	 */
	void renew(RatePermit permit, BudgetReservation reservation) {
		this.permit = permit;
		this.reservation = reservation;
		this.settled = false;
		this.closed.set(false);
	}

	/** Marks the attempt closed; true only for the first caller, so capacity is given back once. */
	boolean close() {
		return this.closed.compareAndSet(false, true);
	}

	/** Marks the attempt closed by a successful settlement; true only for the first caller. */
	boolean closeSettled() {
		if (!close()) {
			return false;
		}
		this.settled = true;
		return true;
	}

	public boolean isClosed() {
		return this.closed.get();
	}

	/**
	 * Whether the attempt was settled with the usage of an answer, rather than given up (released, or
	 * charged its reservation); a failure after this point is no failure of the provider call.
	 */
	public boolean isSettled() {
		return this.closed.get() && this.settled;
	}

}

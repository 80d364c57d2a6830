package dev.llmguard.core;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.llmguard.core.FallbackExhaustedException.ModelFailure;
import dev.llmguard.core.breaker.BreakerPass;
import dev.llmguard.core.breaker.CircuitBreakers;
import dev.llmguard.core.budget.BudgetCharge;
import dev.llmguard.core.budget.BudgetReservation;
import dev.llmguard.core.budget.BudgetUsage;
import dev.llmguard.core.budget.ReserveOutcome;
import dev.llmguard.core.config.BudgetSpec;
import dev.llmguard.core.config.OnExceeded;
import dev.llmguard.core.config.ChainSpec;
import dev.llmguard.core.config.GuardModes;
import dev.llmguard.core.config.ModelSpec;
import dev.llmguard.core.config.ProviderSpec;
import dev.llmguard.core.event.GuardEvent;
import dev.llmguard.core.limit.Demand;
import dev.llmguard.core.limit.NoCapacityException;
import dev.llmguard.core.limit.QuotaReset;
import dev.llmguard.core.limit.ReportedLimits;
import dev.llmguard.core.limit.RatePermit;
import dev.llmguard.core.limit.ShadowAdmission;
import dev.llmguard.core.model.ModelRef;
import dev.llmguard.core.model.Usage;
import dev.llmguard.core.pricing.PricingCatalog;
import dev.llmguard.core.retry.ErrorClassification;
import dev.llmguard.core.retry.FailureKind;

/**
 * One guarded call on its way through the pipeline: the flow of DESIGN.md §3, step by step, in this
 * file. The call was resolved before it was made ({@link CallRouting}: chain or model, max wait, output
 * allowance; the engine estimated its input). Then:
 * <ol>
 * <li>{@link #admit()}, for each model of the chain in order: skip a model cooling down, then one whose
 * context window the call does not fit (2.1), reserve every budget's worst case, or reject or downgrade
 * (2.2), take the buckets and a concurrency slot in priority order (2.3; a tool's limit is taken
 * before the call starts, by {@link LlmGuardEngine#toolFallback});</li>
 * <li>the driver runs the attempt (2.4); after a failure one decision: {@link #decide} a retry after a
 * pause ({@link #retrying}, {@link #prepareRetry}; {@link #afterFailure} does the three for drivers
 * outside spring-retry's loop), else {@link #giveUp}: fail over to the next model or raise; a try
 * whose outcome is unknown is {@link #charge charged};</li>
 * <li>{@link #succeeded} / {@link #settle} / {@link #streamEnded} with the real usage (2.5), or
 * {@link #release} when nothing left; a caller who leaves ({@link #cancel}) stops the waits, and the
 * try is accounted by what it did ({@link Try}: sent, came back, streamed);</li>
 * <li>{@link #exhausted} when every model failed: the chain's cached last answer for the same key, the
 * fallback response, or the error that says why (3).</li>
 * </ol>
 * A deadline ({@code max-total-time}, from {@link #started}) bounds the waits for capacity, the retries
 * and their pauses together: no wait goes past it, and a pause longer than what is left is not taken
 * (the model is given up: the next one is tried, or the call fails as {@code rate_limited}).
 * Its collaborators come as {@link GuardComponents}, never the engine. Used by one flow at a time, except
 * {@link #cancel}, which the thread of a caller who leaves calls.
 */
final class CallExecution implements GuardedCall {

	private static final Logger logger = LoggerFactory.getLogger(CallExecution.class);

	private final GuardComponents components;

	private final CallRequest request;

	private final ChainSpec chain;

	private final String chainName;

	private final List<ModelRef> candidates;

	/** Raised when the first model request made inside the call brings a bigger prompt ({@link #takeForRequest}). */
	private volatile long inputEstimate;

	private final Instant started;

	/** When the call's waits, retries and pauses must be over: {@code max-total-time} after {@link #started}. */
	private Instant deadline;

	/**
	 * Why the model just given up was not retried when the deadline left no time for the provider's
	 * Retry-After (or a rate limit's backoff); the call ends with it when no model follows.
	 */
	private RateLimitExceededException outOfTime;

	/** The max wait the deadline cut the latest wait for capacity to, or {@code null} when it did not. */
	private Duration waitCutTo;

	private final List<ModelFailure> failures = new ArrayList<>(2);

	private int next;

	private ModelRef lastModel;

	private Throwable lastProviderError;

	private RuntimeException lastRejection;

	/** The rejection that names the models skipped until a known time, and the reasons so far. */
	private RateLimitExceededException skipRejection;

	private String skipReasons;

	private boolean finished;

	private ObservedCall observed = ObservedCall.NONE;

	/** How long the call waited before its admission began, known from the first {@link #admit()}. */
	private Duration queued;

	/** The attempt {@link #admit()} returned last. */
	private volatile Attempt current;

	private volatile boolean wrapsRequests;

	// a stream's requests run on other threads than the stream that made them, one after the other
	private volatile int requestsMade;

	private volatile ModelRef requestModel;

	private volatile boolean requestsExhausted;

	private volatile boolean exhausted;

	/** The digest this call's answer is kept under in its chain's cache, or {@code null} when none is. */
	private final String cacheKey;

	/** Whether the call (or a model request inside it) was answered from the chain's cache. */
	private volatile boolean answeredFromCache;

	/** The half-open probe this call holds on a model's circuit breaker, which its outcome decides. */
	private volatile Probe probe;

	/** Budgets in shadow mode whose decision on this call was counted already (once per call). */
	private final Set<String> shadowCounted = new HashSet<>(2);

	/** Guards {@link #waiter} and {@link #cancelled}: a cancel interrupts only a thread still waiting. */
	private final Object waits = new Object();

	/** The thread waiting for capacity or pausing before a retry, or {@code null}. */
	private Thread waiter;

	/** The caller left ({@link #cancel}): no step waits or runs a try any more. */
	private volatile boolean cancelled;

	/**
	 * Whether a driver may {@link #cancel} the call from another thread, so waits are tracked; set before
	 * the call is handed to other threads. A blocking call is never cancelled and skips the tracking.
	 */
	private boolean cancellable;

	/** The modes in force when the call started: a mode changed at runtime applies from the next call. */
	private final GuardModes modes;

	CallExecution(GuardComponents components, CallRequest request, ChainSpec chain, List<ModelRef> candidates,
			long inputEstimate) {
		this.components = components;
		this.modes = components.modes().get();
		this.request = request;
		this.chain = chain;
		this.chainName = (chain != null) ? chain.name() : null;
		this.candidates = candidates;
		this.inputEstimate = inputEstimate;
		this.started = components.clock().instant();
		this.deadline = deadline(this.started, components.routing().maxTotalTime(request));
		this.cacheKey = components.answers()
			.keyOf(chain, request.tenant(), request.cacheKey(), request.promptText());
	}

	private static Instant deadline(Instant started, Duration maxTotalTime) {
		try {
			return started.plus(maxTotalTime);
		}
		catch (DateTimeException | ArithmeticException ex) {
			return Instant.MAX; // a deadline past the end of time is none
		}
	}

	/**
	 * Makes a model request inside an enclosing call end its waits and retries by that call's deadline:
	 * the deadline is the call's, not each request's.
	 */
	void deadlineOf(CallExecution enclosing) {
		this.deadline = enclosing.deadline;
	}

	/** What is left of the call's deadline; zero once it passed. */
	private Duration left() {
		Duration left = Duration.between(this.components.clock().instant(), this.deadline);
		return left.isNegative() ? Duration.ZERO : left;
	}

	/** The key a model request made inside this call keeps its answer under: its own, in this call's chain. */
	String requestCacheKey(CallRequest shape) {
		return this.components.answers()
			.keyOf(this.chain, this.request.tenant(), shape.cacheKey(), shape.promptText());
	}

	CallRequest request() {
		return this.request;
	}

	/** The chain's name, or {@code null} for a single-model call. */
	String chain() {
		return this.chainName;
	}

	List<ModelRef> candidates() {
		return this.candidates;
	}

	@Override
	public long inputEstimate() {
		return this.inputEstimate;
	}

	/** The observer watching this call ({@link ObservedCall#NONE} when nobody does). */
	@Override
	public ObservedCall observed() {
		return this.observed;
	}

	/** Lets an observer watch this call: it receives the call's events; the driver stops it. */
	void observe(ObservedCall observed) {
		this.observed = observed;
	}

	/** Publishes an event to the engine's listeners and to the observer of this call. */
	private void emit(GuardEvent event) {
		this.components.events().onEvent(event);
		try {
			this.observed.onEvent(event);
		}
		catch (RuntimeException ex) {
			logger.debug("llm-guard call observer failed on {}", event.type(), ex);
		}
	}

	/** Whether a model after the last admitted one remains. */
	boolean hasNextModel() {
		return this.next < this.candidates.size();
	}

	/**
	 * Admits the call on the next model that can take it: skips cooling-down models and models whose
	 * context window is too small, reserves budget, waits for rate capacity.
	 * @return the admitted attempt, or {@code null} when every model was tried (then call
	 * {@link #exhausted})
	 * @throws BudgetExceededException when a rejecting budget cannot afford the call
	 * @throws InterruptedException when the thread is interrupted while waiting
	 */
	@Override
	public Attempt admit() throws InterruptedException {
		try {
			return waiting(this::admitNext, (admitted) -> {
				if (admitted != null) {
					release(admitted); // the caller left while the call waited: nobody will run the attempt
				}
			});
		}
		catch (InterruptedException | RuntimeException | Error ex) {
			endProbe(null, false); // a half-open probe taken for a model not admitted goes to the next call
			throw ex;
		}
	}

	private Attempt admitNext() throws InterruptedException {
		if (this.queued == null) {
			// time spent before admission began (an executor's queue) counts against max-wait as well
			this.queued = Duration.between(this.started, this.components.clock().instant());
		}
		while (this.next < this.candidates.size()) {
			this.outOfTime = null;
			ModelRef model = this.candidates.get(this.next++);
			boolean hasNext = this.next < this.candidates.size();
			this.lastModel = model;
			if (closedForQuota(model, hasNext)) {
				continue;
			}
			if (this.chain != null && this.candidates.size() > 1) {
				Instant now = this.components.clock().instant();
				Instant until = this.components.cooldowns().cooldownUntil(model, now);
				if (until != null && shadows(model)) {
					decided(model, "cooldown_skip", true, null, "until " + until);
				}
				else if (until != null) {
					decided(model, "cooldown_skip", false, null, "until " + until);
					skippedUntil(new RateLimitExceededException(model.provider(), model.model(),
							Duration.between(now, until), model + " is cooling down after a rate limit or "
									+ "overload until " + until + "; retry then"));
					skip(model, "cooling_down", "until " + until, hasNext);
					continue;
				}
			}
			if (!breakerAdmits(model, hasNext)) {
				continue;
			}
			ModelSpec spec = this.components.settings().model(model).orElse(null);
			long maxOut = maxOutputTokens(spec);
			if (spec != null && spec.contextWindow() != null && this.inputEstimate + maxOut > spec.contextWindow()
					&& shadows(model)) {
				decided(model, "context_window", true, null,
						(this.inputEstimate + maxOut) + " tokens > " + spec.contextWindow());
			}
			else if (spec != null && spec.contextWindow() != null
					&& this.inputEstimate + maxOut > spec.contextWindow()) {
				decided(model, "context_window", false, null,
						(this.inputEstimate + maxOut) + " tokens > " + spec.contextWindow());
				this.lastRejection = new ContextWindowExceededException(model.toString(), this.inputEstimate + maxOut,
						spec.contextWindow());
				emit(new GuardEvent.Rejected(this.components.clock().instant(), model.provider(), model.model(), "context_window",
						(this.inputEstimate + maxOut) + " tokens > " + spec.contextWindow()));
				skip(model, "context_window", (this.inputEstimate + maxOut) + " > " + spec.contextWindow(), hasNext);
				continue;
			}
			// shared buckets start reading their state now, so the read overlaps the budget step
			this.components.limiters().prefetch(model);
			Fit fit = reserveBudgets(model, maxOut, hasNext);
			if (fit == DOWNGRADED) {
				continue;
			}
			BudgetReservation reservation = fit.reservation();
			maxOut = fit.maxOutputTokens();
			RatePermit permit;
			if (shadows(model)) {
				ShadowAdmission admission = acquireShadowed(model, maxOut, reservation);
				permit = admission.permit();
				if (admission.decision() != null) {
					decided(model, admission.decision(), true, null, admission.detail());
				}
			}
			else {
				try {
					permit = acquire(model, maxOut, reservation);
				}
				catch (NoCapacityException ex) {
					this.lastRejection = rateLimited(ex);
					String within = (this.waitCutTo != null) ? "the call's deadline" : "max-wait";
					decided(model, "rate_limited", false, null, "no capacity within " + within);
					emit(new GuardEvent.Rejected(this.components.clock().instant(), model.provider(),
							model.model(), "rate_limited", "no capacity within " + within));
					skip(model, "rate_limited", "no capacity within " + within, hasNext);
					continue;
				}
				if (!permit.waited().isZero()) {
					decided(model, "wait", false, null, "waited " + seconds(permit.waited()));
				}
			}
			emit(new GuardEvent.Waited(this.components.clock().instant(), model.provider(), model.model(),
					this.request.priority(), permit.waited()));
			this.current = new Attempt(model, spec, permit, reservation, maxOut, context(model, 1, maxOut));
			return this.current;
		}
		return null;
	}

	/**
	 * A model whose quota is spent is refused at once until its reset, alone or in a chain: asking the
	 * provider again would only be answered the same.
	 */
	private boolean closedForQuota(ModelRef model, boolean hasNext) {
		Instant now = this.components.clock().instant();
		Instant resets = this.components.cooldowns().quotaResetsAt(model, now);
		if (resets == null) {
			return false;
		}
		skippedUntil(new RateLimitExceededException(model.provider(), model.model(), Duration.between(now, resets),
				model + "'s quota is spent: closed until " + resets
						+ ", when the provider resets it; retry then, or raise the quota with the provider"));
		skip(model, "quota_exhausted", "until " + resets, hasNext);
		return true;
	}

	/**
	 * Records a model skipped until a known time (cooling down, quota spent, breaker open). Unless a rate
	 * limit already said more, the call's rejection then names every model skipped and why, and carries
	 * the model back first with its retry-after: a retry then is answered.
	 */
	private void skippedUntil(RateLimitExceededException skipped) {
		if (this.lastRejection instanceof RateLimitExceededException other && other != this.skipRejection) {
			return;
		}
		RateLimitExceededException first = this.skipRejection;
		if (first == null) {
			this.skipRejection = skipped;
		}
		else {
			boolean sooner = skipped.getRetryAfter() != null && (first.getRetryAfter() == null
					|| skipped.getRetryAfter().compareTo(first.getRetryAfter()) < 0);
			RateLimitExceededException back = sooner ? skipped : first;
			this.skipReasons = ((this.skipReasons != null) ? this.skipReasons : first.getMessage()) + "; "
					+ skipped.getMessage();
			this.skipRejection = new RateLimitExceededException(back.getProvider(), back.getModel(),
					back.getRetryAfter(), this.skipReasons + " (" + back.getProvider() + "/" + back.getModel()
							+ " is back first)");
		}
		this.lastRejection = this.skipRejection;
	}

	/** What the budgets reserved for an attempt, and the output allowance they afford. */
	private record Fit(BudgetReservation reservation, long maxOutputTokens) {
	}

	private static final Fit DOWNGRADED = new Fit(new BudgetReservation("downgraded", List.of()), 0);

	/**
	 * Takes rate capacity for a call of the model, waiting up to the call's max wait; on any failure
	 * the budget reservation made for it is released.
	 */
	private RatePermit acquire(ModelRef model, long maxOut, BudgetReservation reservation)
			throws InterruptedException {
		try {
			return this.components.limiters()
				.acquire(model, new Demand(this.inputEstimate, maxOut), this.request.priority(), maxWait(model));
		}
		catch (InterruptedException | RuntimeException | Error ex) {
			releaseBudget(reservation);
			throw ex;
		}
	}

	/**
	 * Takes rate capacity for a call of the model in shadow mode: at once, whatever the limits say; on
	 * a failure the budget reservation made for it is released.
	 */
	private ShadowAdmission acquireShadowed(ModelRef model, long maxOut, BudgetReservation reservation) {
		try {
			return this.components.limiters()
				.acquireShadowed(model, new Demand(this.inputEstimate, maxOut), this.request.priority(), maxWait(model));
		}
		catch (RuntimeException | Error ex) {
			releaseBudget(reservation);
			throw ex;
		}
	}

	/**
	 * Reserves the call's worst case on a model in every budget that applies; {@code null} when none does.
	 * Budgets in shadow mode never refuse: they are reserved past their cap if need be.
	 */
	private ReserveOutcome reserveWorstCase(ModelRef model, long maxOut) {
		long worstCost = this.components.pricing().worstCaseCostNanos(model, this.inputEstimate, maxOut);
		List<BudgetCharge> charges = this.components.budgets()
			.chargesFor(this.request.tenant(), this.request.session(), worstCost, this.inputEstimate + maxOut);
		return charges.isEmpty() ? null : this.components.budgets().reserve(charges, shadowBudgets());
	}

	private GuardModes modes() {
		return this.modes;
	}

	/** Whether decisions on calls of the model's provider are only counted (shadow mode). */
	private boolean shadows(ModelRef model) {
		return modes().shadowsProvider(model.provider());
	}

	/** The names of the budgets in shadow mode; empty when every budget enforces. */
	private Set<String> shadowBudgets() {
		Set<String> names = null;
		for (BudgetSpec budget : this.components.settings().budgets().values()) {
			if (modes().shadowsBudget(budget.name())) {
				names = (names != null) ? names : new HashSet<>();
				names.add(budget.name());
			}
		}
		return (names != null) ? names : Set.of();
	}

	/** Counts a decision that acted on the call, or in shadow mode would have. */
	private void decided(ModelRef model, String decision, boolean shadowed, String budget, String detail) {
		if (shadowed) {
			logger.debug("llm-guard shadow: {} would have been {} ({})", model, decision, detail);
		}
		emit(new GuardEvent.Decided(this.components.clock().instant(), decision, shadowed, model.provider(),
				model.model(), budget, null, detail));
	}

	/**
	 * Counts what each budget in shadow mode that the reservation went past would have done: shrink the
	 * allowance, downgrade the call or reject it. Once per budget and call.
	 */
	private void countShadowedBudgets(ModelRef model, ReserveOutcome.Reserved reserved, long allowance,
			boolean hasNext) {
		List<BudgetCharge> charges = reserved.reservation().charges();
		List<BudgetUsage> usages = reserved.usages();
		if (usages.size() != charges.size()) {
			return; // a ledger that could not tell (Redis failing open): nothing to judge by
		}
		for (int i = 0; i < charges.size(); i++) {
			BudgetCharge charge = charges.get(i);
			BudgetSpec budget = charge.budget();
			BudgetUsage after = usages.get(i);
			if (!modes().shadowsBudget(budget.name()) || !pastCap(budget, after)
					|| !this.shadowCounted.add(budget.name())) {
				continue;
			}
			BudgetUsage before = new BudgetUsage(after.budget(), after.key(), after.spentCostNanos(),
					Math.max(0, after.reservedCostNanos() - charge.costNanos()), after.spentTokens(),
					Math.max(0, after.reservedTokens() - charge.tokens()), after.periodStart(), after.resetsAt());
			long fits = affordableOutput(new ReserveOutcome.Exceeded(charge, before), model, allowance);
			String decision;
			if (fits >= this.components.settings().minOutputTokens() && fits < allowance) {
				decision = "shrink";
			}
			else if (budget.onExceeded() == OnExceeded.DOWNGRADE && hasNext) {
				decision = "downgrade";
			}
			else {
				decision = "budget_exceeded";
			}
			decided(model, decision, true, budget.name(), "budget '" + budget.name() + "' past its cap");
		}
	}

	private static boolean pastCap(BudgetSpec budget, BudgetUsage usage) {
		if (budget.maxCost() != null
				&& usage.spentCostNanos() + usage.reservedCostNanos() > budget.maxCostNanos()) {
			return true;
		}
		return budget.maxTokens() != null && usage.spentTokens() + usage.reservedTokens() > budget.maxTokens();
	}

	/**
	 * Reserves the call's worst case in every budget that applies. A budget that cannot afford the whole
	 * output allowance but can afford a smaller one, no smaller than {@code min-output-tokens}, gets the
	 * smaller one (shrink to fit; each reservation is atomic, so concurrent calls shrink again or fail).
	 * Else the budget rejects the call, or sends it to the next model.
	 */
	private Fit reserveBudgets(ModelRef model, long maxOut, boolean hasNext) {
		// a call in shadow mode never moves to another model: an enforcing budget rejects it instead
		boolean mayMoveOn = hasNext && !shadows(model);
		long allowance = maxOut;
		String shrunkBy = null;
		ReserveOutcome outcome = reserveWorstCase(model, allowance);
		// each round fits one more budget; a concurrent call can take what was left, so the rounds are bounded
		for (int round = 0; outcome instanceof ReserveOutcome.Exceeded exceeded
				&& round <= this.components.settings().budgets().size(); round++) {
			long fits = affordableOutput(exceeded, model, allowance);
			if (fits < this.components.settings().minOutputTokens() || fits >= allowance) {
				break;
			}
			allowance = fits;
			shrunkBy = exceeded.charge().budget().name();
			outcome = reserveWorstCase(model, allowance);
		}
		if (outcome == null) {
			return new Fit(null, maxOut);
		}
		if (outcome instanceof ReserveOutcome.Reserved reserved) {
			countShadowedBudgets(model, reserved, allowance, hasNext);
			if (shrunkBy != null) {
				decided(model, "shrink", false, shrunkBy, maxOut + " -> " + allowance + " output tokens");
				emit(new GuardEvent.Shrunk(this.components.clock().instant(), model.provider(), model.model(), shrunkBy,
						maxOut, allowance));
			}
			return new Fit(reserved.reservation(), allowance);
		}
		ReserveOutcome.Exceeded exceeded = (ReserveOutcome.Exceeded) outcome;
		BudgetExceededException ex = BudgetExceededException.of(exceeded, this.components.budgets().zone());
		emit(new GuardEvent.Rejected(this.components.clock().instant(), model.provider(), model.model(),
				"budget_exceeded", "budget '" + ex.getBudget() + "'"));
		if (this.components.budgets().anyDowngrade(exceeded) && mayMoveOn) {
			decided(model, "downgrade", false, ex.getBudget(), "budget '" + ex.getBudget() + "'");
			this.lastRejection = ex;
			skip(model, "budget_exceeded", "budget '" + ex.getBudget() + "'", true);
			return DOWNGRADED;
		}
		decided(model, "budget_exceeded", false, ex.getBudget(), "budget '" + ex.getBudget() + "'");
		finish(model, "budget_exceeded", null, 0, false);
		throw ex;
	}

	/**
	 * The largest output allowance, up to {@code allowance}, whose worst case the budget that refused the
	 * call still affords; {@code -1} when that budget does not shrink calls.
	 */
	private long affordableOutput(ReserveOutcome.Exceeded exceeded, ModelRef model, long allowance) {
		BudgetSpec budget = exceeded.charge().budget();
		if (!this.components.settings().shrinksToFit(budget)) {
			return -1;
		}
		BudgetUsage usage = exceeded.usage();
		long fits = allowance;
		if (budget.maxTokens() != null) {
			fits = Math.min(fits, budget.maxTokens() - usage.spentTokens() - usage.reservedTokens() - this.inputEstimate);
		}
		if (budget.maxCost() != null) {
			long left = budget.maxCostNanos() - usage.spentCostNanos() - usage.reservedCostNanos();
			fits = Math.min(fits, largestOutputCosting(model, left, fits));
		}
		return fits;
	}

	/** The largest output in [0, upTo] whose worst-case cost is at most {@code nanos}, or -1 when none is. */
	private long largestOutputCosting(ModelRef model, long nanos, long upTo) {
		PricingCatalog pricing = this.components.pricing();
		if (upTo < 0 || pricing.worstCaseCostNanos(model, this.inputEstimate, 0) > nanos) {
			return -1;
		}
		long low = 0;
		long high = upTo;
		while (low < high) { // cost grows with output: binary search, exact whatever the rounding of prices
			long mid = (low + high + 1) >>> 1;
			if (pricing.worstCaseCostNanos(model, this.inputEstimate, mid) <= nanos) {
				low = mid;
			}
			else {
				high = mid - 1;
			}
		}
		return low;
	}

	/**
	 * The breaker step: a model whose circuit breaker is open, or half-open with its one probe out, is
	 * skipped like a cooling-down model; a call let through half-open holds the probe.
	 */
	private boolean breakerAdmits(ModelRef model, boolean hasNext) {
		BreakerPass pass = this.components.breakers().pass(model, this::emit);
		if (pass.admitted()) {
			if (pass.kind() == BreakerPass.Kind.PROBE) {
				this.probe = new Probe(model, pass.token());
			}
			return true;
		}
		String detail = (pass.kind() == BreakerPass.Kind.OPEN) ? "open until " + pass.until() : "half-open, probing";
		skippedUntil(new RateLimitExceededException(model.provider(), model.model(), pass.retryAfter(),
				model + " is skipped: its circuit breaker is " + detail + " after repeated failures; retry in "
						+ pass.retryAfter().toMillis() + " ms"));
		skip(model, "circuit_open", detail, hasNext);
		return false;
	}

	/**
	 * Ends the probe this call holds on a model's breaker, if any: a success closes the breaker,
	 * anything else lets the next call probe.
	 */
	private void endProbe(ModelRef model, boolean succeeded) {
		Probe held = this.probe;
		if (held == null || (model != null && !held.model().equals(model))) {
			return;
		}
		this.probe = null;
		if (succeeded) {
			this.components.breakers().probeSucceeded(held.model(), held.token(), this::emit);
		}
		else {
			this.components.breakers().probeAbandoned(held.model(), held.token());
		}
	}

	/** A half-open probe held on a model's breaker. */
	private record Probe(ModelRef model, long token) {
	}

	private void skip(ModelRef model, String reason, String detail, boolean hasNext) {
		endProbe(model, false);
		this.failures.add(new ModelFailure(model.toString(), reason, detail));
		logger.debug("llm-guard: {} skipped: {} ({})", model, reason, detail);
		if (hasNext && this.chainName != null) {
			emit(new GuardEvent.FellBack(this.components.clock().instant(), this.chainName, model.toString(),
					this.candidates.get(this.next).toString(), reason));
		}
	}

	/** The output allowance reserved for the call on a model, and written into the request that leaves. */
	private long maxOutputTokens(ModelSpec spec) {
		return this.components.routing().maxOutputTokens(this.request, spec);
	}

	/**
	 * The call's max wait for capacity on a model, less what it spent queued before admission began, and
	 * never past the call's deadline. Zero never waits: capacity is taken now or not at all.
	 */
	private Duration maxWait(ModelRef model) {
		Duration maxWait = this.components.routing().maxWait(this.request, model);
		if (this.queued != null && !this.queued.isZero() && !this.queued.isNegative()) {
			maxWait = maxWait.minus(this.queued);
			if (maxWait.isNegative()) {
				maxWait = Duration.ZERO;
			}
		}
		Duration left = left();
		this.waitCutTo = (left.compareTo(maxWait) < 0) ? left : null;
		return (this.waitCutTo != null) ? left : maxWait;
	}

	/** The public exception for capacity that did not come, saying when the deadline cut the wait short. */
	private RateLimitExceededException rateLimited(NoCapacityException ex) {
		if (this.waitCutTo == null) {
			return RateLimitExceededException.of(ex);
		}
		return new RateLimitExceededException(ex.model().provider(), ex.model().model(), ex.retryAfter(),
				ex.getMessage() + "; the call's deadline (max-total-time " + seconds(maxTotalTime()) + ") left "
						+ seconds(this.waitCutTo) + " to wait",
				ex);
	}

	private Duration maxTotalTime() {
		return this.components.routing().maxTotalTime(this.request);
	}

	private static String seconds(Duration duration) {
		long millis = duration.toMillis();
		return (millis % 1000 == 0) ? (millis / 1000) + "s" : millis + "ms";
	}

	private LlmGuardContext context(ModelRef model, int attempt, long maxOut) {
		return new LlmGuardContext(model, this.chainName, this.request.tenant(), this.request.session(),
				this.request.priority(), attempt, this.inputEstimate, maxOut, this.wrapsRequests ? this : null,
				this.components.clock(), shadows(model));
	}

	/**
	 * Marks this call as the call of an annotated method or facade operation: the model requests its
	 * code makes through guarded clients are run one by one ({@link LlmGuardEngine#executeRequest}).
	 */
	void wrapRequests() {
		this.wrapsRequests = true;
	}

	/**
	 * Hands the admitted attempt to the first model request made inside this call; later requests get
	 * {@code null} and are admitted on their own.
	 */
	Attempt takeForRequest(CallRequest shape) {
		this.requestsMade++;
		Attempt attempt = this.current;
		if (this.requestsMade == 1 && attempt != null && !attempt.isClosed()) {
			Long input = shape.estimatedInputTokens();
			if (input != null && input > this.inputEstimate) {
				refit(attempt, input);
			}
			return attempt;
		}
		return null;
	}

	/**
	 * The call was admitted on an estimate from the method's arguments, and its first model request
	 * sends a bigger prompt (a system prompt, history, tools): its worst case is reserved again with
	 * that prompt, so the budgets cover what the provider can bill (shrinking the allowance to fit, as
	 * at admission). The buckets settle with the real usage anyway.
	 * @throws BudgetExceededException when a budget cannot afford the bigger worst case
	 */
	private void refit(Attempt attempt, long input) {
		this.inputEstimate = input;
		ModelRef model = attempt.model();
		releaseBudget(attempt.reservation());
		attempt.refit(null, attempt.maxOutputTokens(), attempt.context());
		Fit fit;
		try {
			fit = reserveBudgets(model, attempt.maxOutputTokens(), false);
		}
		catch (RuntimeException ex) {
			release(attempt); // its rate permit: the request never leaves
			throw ex;
		}
		attempt.refit(fit.reservation(), fit.maxOutputTokens(),
				context(model, attempt.context().attempt(), fit.maxOutputTokens()));
	}

	/** Whether model requests were made inside this call through guarded clients: they were retried on their own. */
	@Override
	public boolean madeRequests() {
		return this.requestsMade > 0;
	}

	/** The model the latest request inside this call used: later requests start from it on the chain. */
	ModelRef requestModel() {
		return (this.requestModel != null) ? this.requestModel : this.lastModel;
	}

	void requestAnswered(ModelRef model) {
		this.requestModel = model;
	}

	/** A model request made inside this call found every model of the chain failed. */
	void requestsExhausted() {
		this.requestsExhausted = true;
	}

	/** The model of the attempt that settled with an answer, or the last one tried. */
	ModelRef answeredBy() {
		return (this.current != null) ? this.current.model() : this.lastModel;
	}

	/** Whether every model was tried and {@link #exhausted} answered. */
	boolean isExhausted() {
		return this.exhausted;
	}

	/**
	 * The code of this call failed after making model requests through guarded clients, which were
	 * retried and failed over on their own: the code is not run again. When a request found every model
	 * failed, the chain's fallback response answers if the result type can carry it; else the error
	 * propagates.
	 */
	@Override
	public <T> T afterRequestsFailed(Throwable error, FallbackResponseMapper<T> mapper) throws Throwable {
		T cached = (this.requestsExhausted || this.exhausted) ? answerFromCache(mapper, this.cacheKey) : null;
		if (cached != null) {
			return cached;
		}
		if ((this.requestsExhausted || this.exhausted) && this.chain != null && this.chain.fallbackResponse() != null) {
			T answer = mapper.map(this.chain.fallbackResponse());
			if (answer != null) {
				emit(new GuardEvent.FellBack(this.components.clock().instant(), this.chainName,
						String.valueOf(answeredBy()), "fallback_response", lastReason()));
				return answer;
			}
		}
		throw error;
	}

	/**
	 * The attempt returned a result: settles with the usage the code recorded, else the usage found in
	 * the result, else the estimate (counted as estimated).
	 */
	@Override
	public void succeeded(Attempt attempt, Object result) {
		succeeded(attempt, result, this.cacheKey);
	}

	/** As {@link #succeeded(Attempt, Object)}, keeping the answer under a key in the chain's cache. */
	void succeeded(Attempt attempt, Object result, String cacheKey) {
		Usage usage = attempt.context().recordedUsage();
		boolean estimated = false;
		if (usage == null && result != null) {
			usage = this.components.usage().extract(result);
		}
		if (usage == null) {
			usage = new Usage(this.inputEstimate, estimateOutput(attempt, result));
			estimated = true;
		}
		settle(attempt, usage, estimated);
		if (!this.answeredFromCache) { // an answer that came from the cache is not a new good answer
			this.components.answers().remember(this.chain, cacheKey, result);
		}
	}

	private long estimateOutput(Attempt attempt, Object result) {
		if (result instanceof CharSequence text) {
			return this.components.estimator().estimate(text.toString());
		}
		return attempt.maxOutputTokens();
	}

	/**
	 * Settles an attempt with its usage: commits cost and tokens to every budget, reconciles the
	 * buckets and frees the concurrency slot. Safe to call more than once; only the first counts.
	 */
	@Override
	public void settle(Attempt attempt, Usage usage, boolean estimated) {
		if (!attempt.closeSettled()) {
			return;
		}
		Usage settled = usage;
		boolean estimate = estimated;
		long cost;
		try {
			cost = this.components.pricing().costNanos(attempt.model(), usage);
		}
		catch (ArithmeticException ex) {
			// usage too large to price (a malformed response): the reserved worst case is what is known
			logger.warn("llm-guard: the usage reported for {} cannot be priced ({}); settling the reserved worst case",
					attempt.model(), ex.getMessage());
			settled = worstCase(attempt);
			cost = worstCaseCost(attempt);
			estimate = true;
		}
		commit(attempt, settled, cost);
		endProbe(attempt.model(), true);
		finish(attempt.model(), "success", settled, cost, estimate);
	}

	/** Commits usage and cost to the attempt's budgets and settles its permit, whatever fails first. */
	private void commit(Attempt attempt, Usage usage, long cost) {
		try {
			if (attempt.reservation() != null) {
				// shared buckets start reading their state now, so the read overlaps the budget commit
				this.components.limiters().prefetch(attempt.permit());
			}
			commitBudget(attempt.reservation(), cost, usage.totalTokens());
		}
		finally {
			attempt.permit().settle(usage);
			learnLimits(attempt, true);
		}
	}

	/**
	 * What the provider's answer told of its limits goes to the buckets, once the attempt's permit is back;
	 * a released attempt may have had no answer, so only a report counts then.
	 */
	private void learnLimits(Attempt attempt, boolean answered) {
		ReportedLimits report = attempt.context().reportedRateLimits();
		if (!answered && report == null) {
			return;
		}
		try {
			for (GuardEvent event : this.components.limiters().learn(attempt.model(), report)) {
				emit(event);
			}
		}
		catch (RuntimeException ex) {
			// learning is advice: a failing store must not fail the call
			logger.debug("llm-guard: could not learn the limits {} reported", attempt.model(), ex);
		}
	}

	private Usage worstCase(Attempt attempt) {
		return new Usage(this.inputEstimate, attempt.maxOutputTokens());
	}

	private long worstCaseCost(Attempt attempt) {
		return this.components.pricing().worstCaseCostNanos(attempt.model(), this.inputEstimate, attempt.maxOutputTokens());
	}

	/**
	 * Charges an attempt whose outcome is unknown (a read timeout, a connection lost after sending, a
	 * call or stream cancelled after the request left): the provider may have processed and billed it,
	 * so its reserved worst case is committed to every budget and kept in the token buckets, marked as
	 * estimated. Does nothing when the attempt was already settled, released or charged.
	 * @param reason why the outcome is unknown, for the event
	 */
	@Override
	public void charge(Attempt attempt, String reason) {
		if (!attempt.close()) {
			return;
		}
		Usage usage = worstCase(attempt);
		long cost = worstCaseCost(attempt);
		commit(attempt, usage, cost);
		ModelRef model = attempt.model();
		emit(new GuardEvent.Charged(this.components.clock().instant(), model.provider(), model.model(), usage, cost,
				reason));
	}

	/**
	 * Whether to retry the attempt's model after a failure: {@link Decision.Retry} with its pause, else
	 * {@code null} (then {@link #giveUp}). Changes nothing: the driver pauses, then prepares the retry.
	 */
	@Override
	public Decision.Retry decide(Attempt attempt, Throwable error) {
		if (attempt.isSettled()) {
			return null;
		}
		ErrorClassification classification = classify(error);
		Duration delay = retryDelay(attempt, classification);
		if (delay == null) {
			return null;
		}
		if (shadows(attempt.model())) {
			// the provider gets no call the application did not make
			decided(attempt.model(), "retry", true, null, classification.kind().tag() + " after " + seconds(delay));
			return null;
		}
		Duration left = left();
		if (delay.compareTo(left) > 0) {
			// sleeping past the deadline answers nobody: give the model up now, noting why for giveUp
			this.outOfTime = outOfTime(attempt.model(), classification, delay, left, error);
			return null;
		}
		decided(attempt.model(), "retry", false, null, classification.kind().tag() + " after " + seconds(delay));
		return new Decision.Retry(delay, classification);
	}

	/**
	 * The call's rejection when its deadline leaves no time for the pause a retry needs: for a rate limit
	 * (or any failure the provider said when to retry after) a {@code rate_limited} error carrying the
	 * provider's own Retry-After; {@code null} for other failures, which end as the provider's error.
	 */
	private RateLimitExceededException outOfTime(ModelRef model, ErrorClassification classification,
			Duration delay, Duration left, Throwable error) {
		FailureKind kind = classification.kind();
		Duration retryAfter = classification.retryAfter();
		if (retryAfter == null && kind != FailureKind.RATE_LIMITED && kind != FailureKind.OVERLOADED) {
			return null;
		}
		Duration after = (retryAfter != null) ? retryAfter : delay;
		String asked = (retryAfter != null) ? "asked to retry in " + seconds(retryAfter)
				: "needs a pause of " + seconds(delay);
		return new RateLimitExceededException(model.provider(), model.model(), after,
				model + " answered " + kind.tag() + " and " + asked + ", longer than the " + seconds(left)
						+ " left of the call's deadline (max-total-time " + seconds(maxTotalTime())
						+ "); not waiting: retry in " + seconds(after),
				error);
	}

	/**
	 * Gives the attempt's model up after a failure that is not retried, and says what the call does
	 * next: {@link Decision.Raise} when the attempt had settled (its settlement failed), for a failure no
	 * other model can fix, or an interrupt; else {@link Decision.FailOver}, the model abandoned
	 * ({@link #abandon}: its capacity returned, or charged when the outcome is unknown).
	 */
	@Override
	public Decision giveUp(Attempt attempt, Throwable error) {
		if (attempt.isSettled()) {
			return new Decision.Raise(error); // settlement itself failed: capacity is already accounted
		}
		if (shadows(attempt.model())) {
			return giveUpShadowed(attempt, error);
		}
		if (this.outOfTime != null) {
			ModelRef model = attempt.model();
			emit(new GuardEvent.Rejected(this.components.clock().instant(), model.provider(), model.model(),
					"rate_limited", "retry past the call's deadline"));
		}
		Throwable raise = abandon(attempt, error, classify(error));
		if (raise != null) {
			return new Decision.Raise(raise);
		}
		if (error instanceof InterruptedException) {
			Thread.currentThread().interrupt();
			return new Decision.Raise(error);
		}
		return new Decision.FailOver();
	}

	/**
	 * Gives the model up in shadow mode: its capacity is returned (or charged when the outcome is
	 * unknown), a failover that enforcing would have made is counted, and the provider's error goes to
	 * the caller as it came. A cooldown or a spent quota is remembered, so later calls count the skips.
	 */
	private Decision giveUpShadowed(Attempt attempt, Throwable error) {
		ErrorClassification classification = classify(error);
		if (classification.outcomeUnknown()) {
			charge(attempt, classification.detail());
		}
		else {
			release(attempt);
		}
		ModelRef model = attempt.model();
		Instant now = this.components.clock().instant();
		FailureKind kind = classification.kind();
		this.failures.add(new ModelFailure(model.toString(), kind.tag(), classification.detail()));
		boolean failsOver = kind.allowsFailover() && hasNextModel() && this.chainName != null;
		if (failsOver && retryDelay(attempt, classification) == null) {
			decided(model, "failover", true, null, kind.tag() + ", to " + this.candidates.get(this.next));
		}
		if ((kind == FailureKind.RATE_LIMITED || kind == FailureKind.OVERLOADED) && failsOver
				&& this.chain.cooldown() != null && !this.chain.cooldown().isZero()) {
			this.components.cooldowns().coolDown(model, now.plus(this.chain.cooldown()));
		}
		if (kind == FailureKind.QUOTA_EXHAUSTED) {
			this.components.cooldowns().coolDown(model, QuotaReset.of(classification.retryAfter(), now, quotaZone(model)));
		}
		finish(model, "failed", null, 0, false);
		if (error instanceof InterruptedException) {
			Thread.currentThread().interrupt();
		}
		return new Decision.Raise(error);
	}

	/**
	 * Announces the retry a {@link Decision.Retry} asked for (an event, a metric), before its pause.
	 */
	@Override
	public void retrying(Attempt attempt, Decision.Retry retry) {
		ModelRef model = attempt.model();
		emit(new GuardEvent.Retried(this.components.clock().instant(), model.provider(), model.model(),
				attempt.context().attempt(), retry.classification().kind().tag(), retry.delay()));
	}

	/**
	 * Prepares the retry a {@link Decision.Retry} asked for: pauses on the guard's clock, then takes
	 * the capacity of the next try.
	 * @return false when no capacity came within the call's max wait (then {@link #giveUp})
	 */
	@Override
	public boolean prepareRetry(Attempt attempt, Decision.Retry retry) throws InterruptedException {
		return waiting(() -> prepareRetry(attempt, retry.delay(), retry.classification()), (ready) -> {
		});
	}

	/**
	 * The whole decision after a failed attempt, for drivers that do not run spring-retry's loop
	 * (asynchronous, streaming), on a thread that may wait: {@link #decide}, then for a retry
	 * {@link #retrying} and {@link #prepareRetry} (the pause, the next try's capacity), else or when no
	 * capacity came, {@link #giveUp}.
	 * @return {@link Decision.Retry} when the attempt is ready to run again, {@link Decision.FailOver}
	 * (admit the next model) or {@link Decision.Raise}
	 * @throws InterruptedException when interrupted during the pause (the attempt is given back then)
	 */
	@Override
	public Decision afterFailure(Attempt attempt, Throwable error) throws InterruptedException {
		if (attempt.isSettled()) {
			return new Decision.Raise(error); // settlement itself failed: capacity is already accounted
		}
		if (attempt.currentTry().hasStreamed()) {
			// the provider answered in part: that is spent, and a retry would repeat the output
			settleStreamed(attempt);
			return new Decision.Raise(error);
		}
		if (this.cancelled) {
			return leftAfter(attempt, error);
		}
		Decision.Retry retry = decide(attempt, error);
		if (retry != null) {
			retrying(attempt, retry);
			try {
				if (prepareRetry(attempt, retry)) {
					return retry;
				}
			}
			catch (InterruptedException | RuntimeException ex) {
				giveBack(attempt, retry.classification()); // interrupted or cancelled during the pause
				throw ex;
			}
		}
		return giveUp(attempt, error);
	}

	/** The caller left before a failed attempt was decided: no retry, no failover; its capacity goes back. */
	Decision leftAfter(Attempt attempt, Throwable error) {
		giveBack(attempt, classify(error));
		return new Decision.Raise(error);
	}

	/** Gives a failed attempt's capacity back, or charges it when the provider may have billed the try. */
	private void giveBack(Attempt attempt, ErrorClassification classification) {
		if (classification.outcomeUnknown()) {
			charge(attempt, classification.detail());
		}
		else {
			release(attempt);
		}
	}

	// ---------------------------------------------------------------- one try, and a caller who leaves

	@Override
	public void sending(Attempt attempt) {
		attempt.currentTry().sending();
	}

	@Override
	public void returned(Attempt attempt) {
		attempt.currentTry().returned();
	}

	@Override
	public void streamed(Attempt attempt, CharSequence text, Usage usage, Object element) {
		attempt.currentTry().streamed(text, usage, element);
	}

	@Override
	public void streamEnded(Attempt attempt, boolean single) {
		if (single) {
			succeeded(attempt, attempt.currentTry().lastElement());
		}
		else {
			settleStreamed(attempt);
		}
	}

	/**
	 * Settles an attempt with what its current try streamed: the usage the code recorded, else the
	 * usage the stream reported (a final chunk's), else an estimate counted as such: the streamed
	 * text's tokens, or the whole output allowance when output came that could not be read as text.
	 */
	private void settleStreamed(Attempt attempt) {
		Try streamed = attempt.currentTry();
		Usage usage = attempt.context().recordedUsage();
		if (usage == null) {
			usage = streamed.usage();
		}
		if (usage != null) {
			settle(attempt, usage, false);
			return;
		}
		String text = streamed.text();
		long output = (text != null) ? this.components.estimator().estimate(text)
				: (streamed.hasStreamed() ? attempt.maxOutputTokens() : 0);
		settle(attempt, new Usage(this.inputEstimate, output), true);
	}

	/**
	 * The caller left. A thread waiting for capacity or pausing before a retry is interrupted (the
	 * step it waits in gives the attempt back); else the current try is accounted for at once. Every
	 * later step fails with {@link CancellationException}.
	 */
	@Override
	public void cancel() {
		synchronized (this.waits) {
			if (this.cancelled) {
				return;
			}
			this.cancelled = true;
			if (this.waiter != null) {
				this.waiter.interrupt();
				return;
			}
		}
		Attempt attempt = this.current;
		if (attempt != null) {
			cancelTry(attempt);
		}
	}

	/**
	 * Accounts for the current try of an attempt whose caller left: settled with what it streamed,
	 * charged when its request is out (the provider may still process and bill it), given back when it
	 * never left. A try that came back is accounted by the step that follows it.
	 */
	void cancelTry(Attempt attempt) {
		Try cancelled = attempt.currentTry();
		if (attempt.isClosed()) {
			return;
		}
		if (cancelled.hasStreamed()) {
			settleStreamed(attempt);
		}
		else if (cancelled.inFlight()) {
			endProbe(attempt.model(), false);
			charge(attempt, "cancelled after the request left");
		}
		else if (!cancelled.sent()) {
			release(attempt);
		}
	}

	/** Lets a driver {@link #cancel} the call from another thread: waits are tracked from now on. */
	void cancellable() {
		this.cancellable = true;
	}

	/** A step that may wait on the caller's behalf: for capacity, or in a retry's pause. */
	private interface Wait<T> {

		T run() throws InterruptedException;

	}

	/**
	 * Runs a step that may wait. For a cancellable call this thread is marked as waiting, so that a
	 * {@link #cancel} interrupts it; when the caller left meanwhile the step's answer goes to
	 * {@code left} (to give back what it took) and the step ends with {@link CancellationException}.
	 */
	private <T> T waiting(Wait<T> step, Consumer<T> left) throws InterruptedException {
		if (!this.cancellable) {
			return interruptibly(step);
		}
		synchronized (this.waits) {
			if (this.cancelled) {
				throw cancellation(null);
			}
			this.waiter = Thread.currentThread();
		}
		T answer;
		try {
			answer = interruptibly(step);
		}
		catch (InterruptedException | RuntimeException | Error ex) {
			if (stopWaiting()) {
				throw cancellation(ex);
			}
			throw ex;
		}
		if (stopWaiting()) {
			left.accept(answer);
			throw cancellation(null);
		}
		return answer;
	}

	/** Runs a step; an interrupt that reached a shared store's wait is raised as the interrupt it is. */
	private static <T> T interruptibly(Wait<T> step) throws InterruptedException {
		try {
			return step.run();
		}
		catch (GuardInterruptedException ex) {
			throw ex.interruption();
		}
	}

	/**
	 * Ends a wait; when the caller left meanwhile, clears the interrupt that said so (the thread goes
	 * on clean) and answers true.
	 */
	private boolean stopWaiting() {
		synchronized (this.waits) {
			this.waiter = null;
			if (this.cancelled) {
				Thread.interrupted();
				return true;
			}
			return false;
		}
	}

	private static CancellationException cancellation(Throwable cause) {
		CancellationException ex = new CancellationException("the guarded call was cancelled");
		if (cause != null) {
			ex.initCause(cause);
		}
		return ex;
	}

	/** Classifies a failure of the attempt (causes included); unknown errors are not retryable. */
	private ErrorClassification classify(Throwable error) {
		return this.components.classifier().classify(error);
	}

	/**
	 * Whether to try the same model again after a failure, and after how long.
	 * @return the pause, or {@code null} to give the model up
	 */
	private Duration retryDelay(Attempt attempt, ErrorClassification classification) {
		FailureKind kind = classification.kind();
		if (!kind.isRetryable() || attempt.context().attempt() >= this.components.settings().retry().maxAttempts()) {
			return null;
		}
		if ((kind == FailureKind.RATE_LIMITED || kind == FailureKind.OVERLOADED) && hasNextModel()) {
			return null; // another model follows: fail over at once instead of sleeping
		}
		return this.components.backoff().delay(attempt.context().attempt(), classification.retryAfter());
	}

	/**
	 * Pauses, then takes one more request from the request buckets for the next attempt.
	 * @return false when no request capacity came within the call's max wait
	 */
	private boolean prepareRetry(Attempt attempt, Duration delay, ErrorClassification classification)
			throws InterruptedException {
		ModelRef model = attempt.model();
		this.components.clock().sleep(delay);
		if (classification.outcomeUnknown()) {
			// the provider may have processed (and will bill) the lost try: it keeps its reservation, and
			// the next try needs a reservation and capacity of its own
			charge(attempt, classification.detail());
			if (!renew(attempt)) {
				return false;
			}
		}
		else if (!this.components.limiters().acquireRetryRequest(attempt.permit(), this.request.priority(),
				maxWait(model))) {
			return false;
		}
		attempt.nextTry(context(model, attempt.context().attempt() + 1, attempt.maxOutputTokens()));
		return true;
	}

	/**
	 * Reserves budgets and takes rate capacity again for the next try of a charged attempt.
	 * @return false when a budget cannot afford it or no capacity came within the call's max wait
	 */
	private boolean renew(Attempt attempt) throws InterruptedException {
		ModelRef model = attempt.model();
		long maxOut = attempt.maxOutputTokens();
		ReserveOutcome outcome = reserveWorstCase(model, maxOut);
		if (outcome instanceof ReserveOutcome.Exceeded exceeded) {
			this.lastRejection = BudgetExceededException.of(exceeded, this.components.budgets().zone());
			return false;
		}
		BudgetReservation reservation = (outcome != null) ? ((ReserveOutcome.Reserved) outcome).reservation() : null;
		try {
			attempt.renew(acquire(model, maxOut, reservation), reservation);
			return true;
		}
		catch (NoCapacityException ex) {
			return false;
		}
	}

	/**
	 * Gives the attempt's model up after a failure: releases its capacity, cools a rate-limited or
	 * overloaded model down when another model follows, and records what it answered.
	 * @return the error to raise now (a failure no other model can fix), or {@code null} to go on with
	 * {@link #admit()}
	 */
	Throwable abandon(Attempt attempt, Throwable error, ErrorClassification classification) {
		if (CircuitBreakers.counts(classification.kind())) {
			// decided before the release below, which would only hand a held probe on
			this.probe = null;
			this.components.breakers().failed(attempt.model(), (this.chain != null) ? this.chain.cooldown() : null,
					classification.kind().tag(), this::emit);
		}
		if (classification.outcomeUnknown()) {
			charge(attempt, classification.detail());
		}
		else {
			release(attempt);
		}
		ModelRef model = attempt.model();
		Instant now = this.components.clock().instant();
		FailureKind kind = classification.kind();
		// only a model the call fails over from cools down: cooling the chain's last model too would make
		// every later call of the chain fail for the whole cooldown without asking any provider
		if ((kind == FailureKind.RATE_LIMITED || kind == FailureKind.OVERLOADED) && this.chain != null
				&& hasNextModel() && this.chain.cooldown() != null && !this.chain.cooldown().isZero()) {
			Instant until = now.plus(this.chain.cooldown());
			this.components.cooldowns().coolDown(model, until);
			emit(new GuardEvent.CooledDown(now, model.provider(), model.model(), until, kind.tag()));
		}
		if (kind == FailureKind.QUOTA_EXHAUSTED) {
			closeUntilQuotaResets(model, classification, now);
		}
		this.failures.add(new ModelFailure(model.toString(), kind.tag(), classification.detail()));
		if (!kind.allowsFailover()) {
			finish(model, "failed", null, 0, false);
			return error;
		}
		this.lastProviderError = error;
		if (hasNextModel() && this.chainName != null) {
			emit(new GuardEvent.FellBack(now, this.chainName, model.toString(),
					this.candidates.get(this.next).toString(), kind.tag()));
		}
		return null;
	}

	/**
	 * A spent quota is no rate limit: the model stays closed until the quota resets (the provider's
	 * reset, else the next midnight in its quota zone), so calls move on without asking it again.
	 */
	private void closeUntilQuotaResets(ModelRef model, ErrorClassification classification, Instant now) {
		Instant until = QuotaReset.of(classification.retryAfter(), now,
				quotaZone(model));
		this.components.cooldowns().closeForQuota(model, until);
		logger.debug("llm-guard: {} quota exhausted ({}); closed until {}", model, classification.detail(), until);
		emit(new GuardEvent.QuotaExhausted(now, model.provider(), model.model(), until, classification.detail()));
	}

	private java.time.ZoneId quotaZone(ModelRef model) {
		ProviderSpec provider = this.components.settings().providers().get(model.provider());
		return (provider != null) ? provider.quotaZone() : null;
	}

	/** Gives an attempt's capacity back without spending (the call failed or was cancelled before any output). */
	@Override
	public void release(Attempt attempt) {
		endProbe(attempt.model(), false);
		if (!attempt.close()) {
			return;
		}
		try {
			if (attempt.reservation() != null) {
				this.components.limiters().prefetch(attempt.permit());
			}
			releaseBudget(attempt.reservation());
		}
		finally {
			attempt.permit().release();
			learnLimits(attempt, false);
		}
	}

	/**
	 * Every model was tried: the chain's cached last answer for the call's key, else its fallback
	 * response, when the result type can carry them; else the guard's own rejection when no provider was
	 * even asked, else {@link FallbackExhaustedException} (or, for a single model, the provider's error).
	 */
	@Override
	public <T> T exhausted(FallbackResponseMapper<T> mapper) throws Throwable {
		this.exhausted = true;
		T cached = answerFromCache(mapper, this.cacheKey);
		if (cached != null) {
			return cached;
		}
		if (this.chain != null && this.chain.fallbackResponse() != null) {
			T answer = mapper.map(this.chain.fallbackResponse());
			if (answer != null) {
				emit(new GuardEvent.FellBack(this.components.clock().instant(), this.chainName,
						String.valueOf(this.lastModel), "fallback_response", lastReason()));
				finish(this.lastModel, "fallback_response", null, 0, false);
				return answer;
			}
		}
		if (this.outOfTime != null) {
			// the last model needed a pause longer than the deadline left: the caller learns when to come back
			finish(this.lastModel, "rate_limited", null, 0, false);
			throw this.outOfTime;
		}
		if (this.lastProviderError == null && this.lastRejection != null) {
			finish(this.lastModel, outcomeOf(this.lastRejection), null, 0, false);
			throw this.lastRejection;
		}
		finish(this.lastModel, "failed", null, 0, false);
		if (this.chain == null && this.lastProviderError != null) {
			throw this.lastProviderError;
		}
		throw new FallbackExhaustedException(String.valueOf(this.chainName), this.failures, this.lastProviderError);
	}

	/**
	 * The chain's last good answer for a key, as the caller's type and marked as cached, when every model
	 * failed; the call ends with outcome {@code cached_response}.
	 * @return the answer, or {@code null} when the chain keeps none for the key or the type cannot carry it
	 */
	<T> T answerFromCache(FallbackResponseMapper<T> mapper, String key) {
		String text = (key != null) ? this.components.answers().recall(this.chain, key) : null;
		T answer = (text != null) ? mapper.cached(text) : null;
		if (answer == null) {
			return null;
		}
		answeredFromCache();
		emit(new GuardEvent.FellBack(this.components.clock().instant(), this.chainName, String.valueOf(answeredBy()),
				CACHED_RESPONSE, lastReason()));
		finish(answeredBy(), CACHED_RESPONSE, null, 0, false);
		return answer;
	}

	/** A model request inside this call was answered from the cache: the call's context says so. */
	void answeredFromCache() {
		this.answeredFromCache = true;
	}

	/** Whether the call, or a model request inside it, was answered with the chain's cached last answer. */
	boolean isAnsweredFromCache() {
		return this.answeredFromCache;
	}

	/** The outcome, and the fallback target, of a call answered with the chain's cached last answer. */
	static final String CACHED_RESPONSE = "cached_response";

	private void commitBudget(BudgetReservation reservation, long costNanos, long tokens) {
		if (reservation != null) {
			this.components.budgets().commit(reservation, costNanos, tokens);
		}
	}

	private void releaseBudget(BudgetReservation reservation) {
		if (reservation != null) {
			this.components.budgets().release(reservation);
		}
	}

	/** What each model answered so far. */
	List<ModelFailure> failures() {
		return List.copyOf(this.failures);
	}

	private String lastReason() {
		return this.failures.isEmpty() ? "failed" : this.failures.get(this.failures.size() - 1).reason();
	}

	private static String outcomeOf(RuntimeException rejection) {
		if (rejection instanceof BudgetExceededException) {
			return "budget_exceeded";
		}
		if (rejection instanceof RateLimitExceededException) {
			return "rate_limited";
		}
		return "failed";
	}

	/** Records the end of the call once; later calls (a cancelled stream settling twice) are ignored. */
	void finish(ModelRef model, String outcome, Usage usage, long costNanos, boolean estimated) {
		endProbe(null, false);
		if (this.finished) {
			return;
		}
		this.finished = true;
		Instant now = this.components.clock().instant();
		emit(new GuardEvent.CallFinished(now, (model != null) ? model.provider() : "none",
				(model != null) ? model.model() : "none", this.chainName, outcome, usage, costNanos, estimated,
				Duration.ofSeconds(now.getEpochSecond() - this.started.getEpochSecond(),
						now.getNano() - this.started.getNano())));
	}

}

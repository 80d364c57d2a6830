package dev.llmguard.core.limit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.llmguard.core.model.ModelRef;
import dev.llmguard.core.model.Priority;
import dev.llmguard.core.model.Usage;
import dev.llmguard.core.time.GuardClock;
import io.github.bucket4j.Bucket;

/**
 * The buckets, concurrency cap and waiting queue of one provider and its models.
 * <p>
 * Taking capacity is lock-free while nobody waits. Once a call has to wait it joins a queue ordered
 * by (priority, arrival) under the provider's lock; a waiter may try only when no waiter ahead of it
 * is stuck on a limit it needs too, so urgent calls go first, and a model whose own limit is spent
 * does not hold up the provider's other models.
 */
final class ProviderLimits {

	private static final Logger logger = LoggerFactory.getLogger(ProviderLimits.class);

	static final LimitBucket[] NO_BUCKETS = new LimitBucket[0];


	/** A waiter that has not tried yet: those behind it must let it try first. */
	private static final Object UNKNOWN = new Object();

	/** Shortest pause when an estimate says "now" but taking failed (a concurrent change). */
	private static final long MIN_PAUSE_NANOS = 1_000_000;

	private static final Duration MINUTE = Duration.ofMinutes(1);

	/** How often limits other instances learned are looked up. */
	private static final long REFRESH_NANOS = 1_000_000_000L;

	private static final Comparator<Waiter> ORDER = Comparator.comparingInt((Waiter w) -> w.priority)
		.thenComparingLong((w) -> w.seq);

	final String name;

	final LimitBucket[] buckets;

	/** Buckets of models with model-level limits only. */
	final Map<String, LimitBucket[]> modelBuckets;

	final ConcurrencyCap concurrency;

	/** Whether answers' reports change the buckets ({@code limits: fixed} turns it off). */
	final boolean learns;

	private final GuardClock clock;

	private final BucketStore store;

	private final ReentrantLock lock = new ReentrantLock();

	private final Condition changed = this.lock.newCondition();

	/** Guarded by {@link #lock}. */
	private final TreeSet<Waiter> queue = new TreeSet<>(ORDER);

	/** Guarded by {@link #lock}. */
	private long arrivals;

	/** When learned limits were last looked up in a shared store. */
	private volatile long refreshedAt = Long.MIN_VALUE;

	/** Size of the queue, read without the lock to keep the fast path lock-free. */
	private volatile int waiting;

	ProviderLimits(String name, LimitBucket[] buckets, Map<String, LimitBucket[]> modelBuckets,
			ConcurrencyCap concurrency, GuardClock clock, BucketStore store) {
		this(name, buckets, modelBuckets, concurrency, clock, store, true);
	}

	ProviderLimits(String name, LimitBucket[] buckets, Map<String, LimitBucket[]> modelBuckets,
			ConcurrencyCap concurrency, GuardClock clock, BucketStore store, boolean learns) {
		this.learns = learns;
		this.name = name;
		this.buckets = buckets;
		this.modelBuckets = Map.copyOf(modelBuckets);
		this.concurrency = concurrency;
		this.clock = clock;
		this.store = store;
	}

	LimitBucket[] bucketsOf(String model) {
		LimitBucket[] buckets = this.modelBuckets.get(model);
		return (buckets != null) ? buckets : NO_BUCKETS;
	}

	/**
	 * Takes capacity for a call, waiting in priority order up to {@code maxWaitNanos}.
	 * @return nanoseconds of clock time spent waiting
	 * @throws NoCapacityException when no capacity came in time
	 */
	long take(ModelRef model, LimitBucket[] modelBuckets, Demand demand, boolean requestsOnly, int priority,
			long maxWaitNanos) throws InterruptedException {
		return take(model, modelBuckets, demand, requestsOnly, priority, maxWaitNanos, null);
	}

	/**
	 * Like {@link #take(ModelRef, LimitBucket[], Demand, boolean, int, long)}, writing what was taken from
	 * each bucket (provider's, then the model's) into {@code taken}, so that settling counts it out of
	 * the calls in flight.
	 */
	long take(ModelRef model, LimitBucket[] modelBuckets, Demand demand, boolean requestsOnly, int priority,
			long maxWaitNanos, long[] taken) throws InterruptedException {
		refreshLearned(modelBuckets);
		int priorityClass = Priority.of(priority).ordinal();
		if (this.waiting == 0 && tryTake(modelBuckets, demand, requestsOnly, priorityClass, taken) == null) {
			return 0;
		}
		Waiter waiter = new Waiter(priority, priorityClass, model, modelBuckets, demand, requestsOnly);
		waiter.taken = taken;
		return awaitTurn(waiter, maxWaitNanos);
	}

	/**
	 * Takes a slot and every bucket's amount, or nothing.
	 * <p>
	 * With a cap shared across the fleet, the fleet's slot is asked for first without waiting, the buckets
	 * are taken meanwhile, and the slot's answer is awaited last: one round trip for both instead of two.
	 * For about that round trip a call may hold bucket tokens it gives back because the fleet's cap
	 * refused, or a slot it frees because a bucket refused; neither is ever above its limit.
	 * @return {@code null} when taken, else what refused: a {@link LimitBucket} or the {@link ConcurrencyCap}
	 */
	private Object tryTake(LimitBucket[] modelBuckets, Demand demand, boolean requestsOnly, int priorityClass,
			long[] taken) {
		boolean slot = !requestsOnly;
		PendingSlot shared = null;
		if (slot) {
			int fleetLimit = this.concurrency.takeLocal(priorityClass);
			if (fleetLimit == ConcurrencyCap.REFUSED) {
				return this.concurrency;
			}
			if (fleetLimit != ConcurrencyCap.TAKEN) {
				shared = this.concurrency.startShared(fleetLimit);
			}
		}
		Object refused;
		try {
			refused = refusal(modelBuckets, demand, requestsOnly, priorityClass, taken, shared);
		}
		catch (RuntimeException | Error ex) {
			// the store failed (e.g. Redis in fail-closed mode): no permit exists to give the slot back later
			if (shared != null) {
				signalWaiters(); // refusal freed the slot
			}
			else if (slot) {
				giveSlotBack();
			}
			throw ex;
		}
		if (refused instanceof LimitBucket && slot && shared == null) {
			this.concurrency.release();
		}
		return refused;
	}

	/** Frees a slot and wakes waiters that may need it. */
	private void giveSlotBack() {
		this.concurrency.release();
		signalWaiters();
	}

	/**
	 * Takes from every bucket of the provider and the model as one step of the store (a shared
	 * store runs the takes concurrently); on a refusal nothing is held and the bucket is named. Then
	 * waits for the fleet's slot when one was started: when it is refused (or its take failed), the
	 * buckets' amounts are given back and the cap is named (or the failure thrown); the slot's part
	 * here is given back by the cap then.
	 * @param shared the fleet's slot, started and not awaited, or {@code null}
	 * @return {@code null} when taken, else what refused: a {@link LimitBucket} (the slot not awaited then)
	 * or the {@link ConcurrencyCap}
	 */
	private Object refusal(LimitBucket[] modelBuckets, Demand demand, boolean requestsOnly, int priorityClass,
			long[] taken, PendingSlot shared) {
		boolean awaited = false;
		try {
			int size = this.buckets.length + modelBuckets.length;
			LimitBucket[] limits = new LimitBucket[size];
			Bucket[] buckets = new Bucket[size];
			long[] amounts = new long[size];
			long[] keep = new long[size];
			int[] slots = new int[size];
			int count = 0;
			int slot = 0;
			for (LimitBucket[] group : new LimitBucket[][] { this.buckets, modelBuckets }) {
				for (LimitBucket bucket : group) {
					long amount = bucket.amount(demand, requestsOnly);
					Bucket live = bucket.bucket;
					if (amount > 0 && live != null) {
						limits[count] = bucket;
						buckets[count] = live;
						amounts[count] = amount;
						keep[count] = bucket.reserve(priorityClass, amount);
						slots[count] = slot;
						count++;
					}
					slot++;
				}
			}
			if (count == 0) {
				awaited = true;
				return (shared == null || awaitSlot(shared, null, null, null, 0)) ? null : this.concurrency;
			}
			if (count < size) {
				buckets = Arrays.copyOf(buckets, count);
				amounts = Arrays.copyOf(amounts, count);
				keep = Arrays.copyOf(keep, count);
			}
			LimitBucket.Hold[] holds = null;
			if (anyHeld(limits, count)) {
				holds = new LimitBucket.Hold[count];
				int refusedByHold = takeHeld(limits, amounts, keep, count, holds);
				if (refusedByHold >= 0) {
					return limits[refusedByHold];
				}
			}
			int refused;
			try {
				refused = this.store.tryTakeAll(buckets, amounts, keep);
			}
			catch (RuntimeException | Error ex) {
				giveHeldBack(holds, amounts, count);
				throw ex;
			}
			if (refused >= 0) {
				giveHeldBack(holds, amounts, count);
				return limits[refused];
			}
			awaited = true;
			if (shared != null && !awaitSlot(shared, buckets, amounts, holds, count)) {
				return this.concurrency;
			}
			if (taken != null) {
				for (int i = 0; i < count; i++) {
					limits[i].tookInFlight(amounts[i]);
					taken[slots[i]] = amounts[i];
				}
			}
			return null;
		}
		finally {
			if (!awaited && shared != null) {
				// refused by a bucket, or a step failed: the fleet's slot, if taken, is freed without waiting
				this.concurrency.cancelShared(shared);
			}
		}
	}

	/**
	 * Waits for the fleet's slot of a call whose buckets are taken; when it is refused or its take
	 * failed, gives the buckets' amounts back (to the store and the held drops) and wakes the waiters
	 * that may have found them missing meanwhile.
	 * @return whether the slot is held
	 */
	private boolean awaitSlot(PendingSlot shared, Bucket[] buckets, long[] amounts, LimitBucket.Hold[] holds,
			int count) {
		boolean held = false;
		try {
			held = this.concurrency.awaitShared(shared);
		}
		finally {
			if (!held && count > 0) {
				try {
					this.store.adjustAll(buckets, amounts);
				}
				finally {
					giveHeldBack(holds, amounts, count);
					signalWaiters();
				}
			}
		}
		return held;
	}

	/**
	 * Takes the amounts from the drops held until a provider's reset, all or nothing, writing the holds
	 * taken from into {@code holds}.
	 * @return {@code -1} when taken, else the index of the bucket whose held drop refused
	 */
	private int takeHeld(LimitBucket[] limits, long[] amounts, long[] keep, int count, LimitBucket.Hold[] holds) {
		long now = this.clock.epochNanos();
		for (int i = 0; i < count; i++) {
			LimitBucket.Hold held = limits[i].holdAt(now);
			if (held == null) {
				continue;
			}
			if (!held.tryTake(amounts[i], keep[i])) {
				giveHeldBack(holds, amounts, i);
				return i;
			}
			holds[i] = held;
		}
		return -1;
	}

	private static boolean anyHeld(LimitBucket[] limits, int count) {
		for (int i = 0; i < count; i++) {
			if (limits[i].held()) {
				return true;
			}
		}
		return false;
	}

	private static void giveHeldBack(LimitBucket.Hold[] holds, long[] amounts, int count) {
		if (holds == null) {
			return;
		}
		for (int i = 0; i < count; i++) {
			if (holds[i] != null) {
				holds[i].giveBack(amounts[i]);
			}
		}
	}

	/** Picks up limits other instances learned, at most once a second (shared stores only). */
	private void refreshLearned(LimitBucket[] modelBuckets) {
		if (!this.store.sharesLearnedLimits()) {
			return;
		}
		long now = this.clock.epochNanos();
		long last = this.refreshedAt;
		if (last != Long.MIN_VALUE && now - last < REFRESH_NANOS) {
			return;
		}
		this.refreshedAt = now;
		boolean learned = false;
		for (LimitBucket[] group : new LimitBucket[][] { this.buckets, modelBuckets }) {
			for (LimitBucket bucket : group) {
				bucket.refreshLearned();
				learned |= bucket.learned() != null;
			}
		}
		if (learned && this.concurrency.endCaution()) {
			signalWaiters();
		}
	}

	/** Starts reading the state of the buckets a call of this model takes from (shared stores only). */
	void prefetch(LimitBucket[] modelBuckets) {
		if (!this.store.prefetches()) {
			return;
		}
		this.store.prefetch(bucketsOf(this.buckets, modelBuckets, false));
	}

	/** Starts reading the state of the token buckets a permit reconciles (shared stores only). */
	void prefetchTokens(LimitBucket[] modelBuckets) {
		if (!this.store.prefetches()) {
			return;
		}
		this.store.prefetch(bucketsOf(this.buckets, modelBuckets, true));
	}

	private static Bucket[] bucketsOf(LimitBucket[] provider, LimitBucket[] model,
			boolean tokensOnly) {
		List<Bucket> buckets = new ArrayList<>(provider.length + model.length);
		for (LimitBucket[] group : new LimitBucket[][] { provider, model }) {
			for (LimitBucket bucket : group) {
				Bucket live = bucket.bucket;
				if (live != null && (!tokensOnly || bucket.measure != LimitBucket.Measure.REQUESTS)) {
					buckets.add(live);
				}
			}
		}
		return buckets.toArray(new Bucket[0]);
	}

	private long awaitTurn(Waiter me, long maxWaitNanos) throws InterruptedException {
		long start = this.clock.epochNanos();
		long deadline = (Long.MAX_VALUE - start < maxWaitNanos) ? Long.MAX_VALUE : start + maxWaitNanos;
		this.lock.lock();
		try {
			me.seq = this.arrivals++;
			this.queue.add(me);
			this.waiting = this.queue.size();
			for (;;) {
				// read before trying: the pause below is computed later, so a clock moving in between can only
				// shorten it, never make a wait that fits look hopeless
				long now = this.clock.epochNanos();
				long pause = Long.MAX_VALUE;
				Object refused = null;
				if (mayTry(me)) {
					refused = tryTake(me.modelBuckets, me.demand, me.requestsOnly, me.priorityClass, me.taken);
					if (refused == null) {
						long waited = Math.max(0, this.clock.epochNanos() - start);
						if (logger.isDebugEnabled()) {
							logger.debug("{} got capacity for priority {} after {} ms", me.model, me.priority,
									waited / 1_000_000);
						}
						return waited;
					}
					blockOn(me, refused);
					if (refused instanceof LimitBucket bucket) {
						pause = Math.max(MIN_PAUSE_NANOS,
								bucket.nanosUntil(bucket.amount(me.demand, me.requestsOnly), me.priorityClass));
					}
					else if (refused instanceof ConcurrencyCap cap) {
						// a slot freed by another instance of the fleet signals nothing here: ask again
						pause = cap.retryNanos();
					}
				}
				long remaining = deadline - now;
				// refill alone comes too late and no call in flight can give capacity back (requests are never
				// given back; a retrying call's own slot gives nothing to itself): fail now, not at the deadline
				boolean hopeless = refused instanceof LimitBucket bucket && pause > remaining
						&& (bucket.measure == LimitBucket.Measure.REQUESTS
								|| this.concurrency.localInUse() <= (me.requestsOnly ? 1 : 0));
				if (remaining <= 0 || hopeless) {
					throw timeout(me, maxWaitNanos, refused);
				}
				this.clock.await(this.changed, Duration.ofNanos(Math.min(pause, remaining)));
			}
		}
		finally {
			this.queue.remove(me);
			this.waiting = this.queue.size();
			if (this.waiting > 0) {
				this.changed.signalAll();
			}
			this.lock.unlock();
		}
	}

	/** Whether no waiter ahead of {@code me} is stuck on something {@code me} needs too. */
	private boolean mayTry(Waiter me) {
		for (Waiter ahead : this.queue) {
			if (ahead == me) {
				return true;
			}
			Object stuckOn = ahead.blockedOn;
			if (stuckOn == UNKNOWN || me.needs(stuckOn)) {
				// stuck behind it on the same limit counts as stuck on that limit, for those further behind
				blockOn(me, stuckOn);
				return false;
			}
		}
		return true;
	}

	private void blockOn(Waiter waiter, Object obstacle) {
		if (waiter.blockedOn != obstacle) {
			waiter.blockedOn = obstacle;
			if (obstacle != UNKNOWN) {
				// waiters behind that do not need this limit may now try
				this.changed.signalAll();
			}
		}
	}

	/** Gives back a permit: tokens reconciled with the usage (all tokens when {@code null}), slot freed. */
	void finish(LimitBucket[] modelBuckets, Demand demand, Usage actual, long[] taken) {
		finish(modelBuckets, demand, actual, taken, true);
	}

	/** Like {@link #finish(LimitBucket[], Demand, Usage, long[])}; frees a slot only when the permit holds one. */
	void finish(LimitBucket[] modelBuckets, Demand demand, Usage actual, long[] taken, boolean holdsSlot) {
		try {
			if (taken != null) {
				settleInFlight(modelBuckets, taken);
			}
			reconcile(modelBuckets, demand, actual);
		}
		finally {
			if (holdsSlot) {
				giveSlotBack();
			}
			else {
				signalWaiters();
			}
		}
	}

	/**
	 * Takes capacity for a call in shadow mode at once, never waiting and never refusing: what the
	 * call uses is taken from every bucket, into debt where it is missing, and a concurrency slot when
	 * one is free. Says what enforcing would have done.
	 * @param cannotFit why the demand could never pass a limit, or {@code null}
	 * @return whether a slot is held, the decision enforcing would have made ({@code null}, {@code wait}
	 * or {@code rate_limited}) and what was missing
	 */
	ShadowTake takeShadowed(LimitBucket[] modelBuckets, Demand demand, int priority, long maxWaitNanos,
			long[] taken, String cannotFit) {
		refreshLearned(modelBuckets);
		int priorityClass = Priority.of(priority).ordinal();
		if (cannotFit == null && this.waiting == 0
				&& tryTake(modelBuckets, demand, false, priorityClass, taken) == null) {
			return new ShadowTake(true, null, null);
		}
		// enforcing would have waited or refused: how long refill alone takes tells which
		long nanos = 0;
		LimitBucket slowest = null;
		List<Bucket> live = new ArrayList<>();
		List<Long> amounts = new ArrayList<>();
		int slot = 0;
		for (LimitBucket[] group : new LimitBucket[][] { this.buckets, modelBuckets }) {
			for (LimitBucket bucket : group) {
				long amount = bucket.amount(demand, false);
				Bucket state = bucket.bucket;
				if (amount > 0 && state != null) {
					long until = bucket.nanosUntil(amount, priorityClass);
					if (until > nanos) {
						nanos = until;
						slowest = bucket;
					}
					live.add(state);
					amounts.add(amount);
					bucket.tookInFlight(amount);
					if (taken != null && slot < taken.length) {
						taken[slot] = amount;
					}
				}
				slot++;
			}
		}
		boolean holdsSlot = this.concurrency.tryTake(priorityClass);
		long[] deltas = new long[amounts.size()];
		for (int i = 0; i < deltas.length; i++) {
			deltas[i] = -amounts.get(i);
		}
		if (deltas.length > 0) {
			this.store.adjustAll(live.toArray(new Bucket[0]), deltas);
		}
		String detail;
		if (cannotFit != null) {
			detail = cannotFit;
		}
		else if (slowest != null) {
			detail = slowest.describe() + " needs " + LimitMessages.duration(Duration.ofNanos(nanos)) + " of refill";
		}
		else if (!holdsSlot) {
			detail = "max-concurrent " + this.concurrency.max + " in use";
		}
		else {
			detail = "calls were waiting ahead";
		}
		boolean wouldWait = cannotFit == null && nanos <= maxWaitNanos && (maxWaitNanos > 0 || (nanos == 0 && holdsSlot));
		return new ShadowTake(holdsSlot, wouldWait ? "wait" : "rate_limited", detail);
	}

	/**
	 * What a shadowed call took.
	 * @param holdsSlot whether it holds a concurrency slot
	 * @param decision what enforcing would have done, or {@code null} when nothing
	 * @param detail what was missing, or {@code null}
	 */
	record ShadowTake(boolean holdsSlot, String decision, String detail) {
	}

	private void settleInFlight(LimitBucket[] modelBuckets, long[] taken) {
		int slot = 0;
		for (LimitBucket[] group : new LimitBucket[][] { this.buckets, modelBuckets }) {
			for (LimitBucket bucket : group) {
				if (slot < taken.length && taken[slot] > 0) {
					bucket.settledInFlight(taken[slot]);
				}
				slot++;
			}
		}
	}

	/**
	 * Applies what an answer of the provider reported to the buckets of the provider and the model:
	 * per kind, the model's bucket of that kind when it has one, else the provider's.
	 * @return what changed, for events and logs
	 */
	List<Learned> learn(ModelRef model, LimitBucket[] modelBuckets, ReportedLimits report) {
		List<Learned> changes = new ArrayList<>(2);
		boolean told = false;
		for (Map.Entry<String, ReportedLimits.Reading> entry : report.readings().entrySet()) {
			LimitBucket bucket = minuteBucket(modelBuckets, entry.getKey());
			if (bucket == null) {
				bucket = minuteBucket(this.buckets, entry.getKey());
			}
			if (bucket == null) {
				continue;
			}
			ReportedLimits.Reading reading = entry.getValue();
			if (reading.limit() != null) {
				boolean wasUnknown = bucket.unknown();
				boolean lower = bucket.learnLimit(reading.limit());
				told = true;
				if (lower || wasUnknown) {
					changes.add(new Learned(bucket, reading.limit(), lower));
				}
			}
			if (reading.remaining() != null) {
				long dropped = bucket.learnRemaining(reading.remaining(), report.at(), reading.resetsAt());
				if (dropped > 0 && logger.isDebugEnabled()) {
					logger.debug("llm-guard: {} reports {} {} remaining: the bucket dropped by {}", model,
							reading.remaining(), bucket.describe(), dropped);
				}
			}
		}
		if (told && this.concurrency.endCaution()) {
			logger.debug("llm-guard: {} told its limits: more than one call may now be in flight", this.name);
		}
		signalWaiters();
		return changes;
	}

	/** Caution ends with the first answer, even one that told no limits (the provider never will). */
	void answered() {
		if (this.concurrency.endCaution()) {
			signalWaiters();
		}
	}

	/** The per-minute bucket of a reported kind in a group, or {@code null}. */
	private static LimitBucket minuteBucket(LimitBucket[] group, String kind) {
		for (LimitBucket bucket : group) {
			if (bucket.definition.window().equals(MINUTE) && bucket.measure == LimitBucket.Measure.of(kind)) {
				return bucket;
			}
		}
		return null;
	}

	/**
	 * A limit learned from an answer.
	 * @param bucket the bucket
	 * @param reported the limit the provider reported
	 * @param lowerThanDeclared whether it is below the declared limit (told once)
	 */
	record Learned(LimitBucket bucket, long reported, boolean lowerThanDeclared) {
	}

	/** Wakes waiters, which try again: after a change of limits, or when capacity came back. */
	void signalWaiters() {
		if (this.waiting > 0) {
			this.lock.lock();
			try {
				this.changed.signalAll();
			}
			finally {
				this.lock.unlock();
			}
		}
	}

	/** Gives back unused tokens and takes excess usage as debt, as one step of the store. */
	private void reconcile(LimitBucket[] modelBuckets, Demand demand, Usage actual) {
		int size = this.buckets.length + modelBuckets.length;
		Bucket[] buckets = new Bucket[size];
		long[] deltas = new long[size];
		int count = 0;
		for (LimitBucket[] group : new LimitBucket[][] { this.buckets, modelBuckets }) {
			for (LimitBucket bucket : group) {
				if (bucket.measure == LimitBucket.Measure.REQUESTS) {
					continue; // a request that reached the provider counts, whatever became of it
				}
				long demanded = bucket.amount(demand, false);
				long used = (actual != null) ? bucket.measure.of(actual) : 0;
				Bucket live = bucket.bucket;
				if (used != demanded && live != null && !bucket.unknown()) {
					buckets[count] = live;
					deltas[count] = demanded - used;
					bucket.adjustHeld(demanded - used);
					count++;
				}
			}
		}
		if (count > 0) {
			this.store.adjustAll(Arrays.copyOf(buckets, count), Arrays.copyOf(deltas, count));
		}
	}

	private NoCapacityException timeout(Waiter me, long maxWaitNanos, Object refused) {
		LimitBucket slowest = null;
		long nanos = 0;
		for (LimitBucket[] buckets : new LimitBucket[][] { this.buckets, me.modelBuckets }) {
			for (LimitBucket bucket : buckets) {
				long amount = bucket.amount(me.demand, me.requestsOnly);
				long estimate = (amount > 0) ? bucket.nanosUntil(amount, me.priorityClass) : 0;
				if (estimate > nanos) {
					slowest = bucket;
					nanos = estimate;
				}
			}
		}
		// never got to try: blame what the calls ahead are stuck on, and wait for their share too
		boolean queued = (refused == null);
		Object blame = queued ? me.blockedOn : refused;
		int ahead = queued ? this.queue.headSet(me).size() : 0;
		if (queued && blame instanceof LimitBucket bucket) {
			long needed = bucket.amount(me.demand, me.requestsOnly);
			for (Waiter other : this.queue.headSet(me)) {
				needed += bucket.amount(other.demand, other.requestsOnly);
			}
			nanos = Math.max(nanos, bucket.nanosUntil(Math.min(needed, bucket.capacity), me.priorityClass));
		}
		else if (!(blame instanceof LimitBucket) && !(blame instanceof ConcurrencyCap) && slowest != null) {
			blame = slowest;
		}
		Duration retryAfter = LimitMessages.retryAfter(nanos);
		String within = (maxWaitNanos == 0) ? "now"
				: "within " + LimitMessages.duration(Duration.ofNanos(maxWaitNanos));
		String message = me.model + ": no capacity " + within + " for "
				+ LimitMessages.demand(me.demand, me.requestsOnly) + " ("
				+ ((ahead > 0) ? "behind " + ahead + " more urgent or earlier calls" : "")
				+ ((ahead > 0 && blame != UNKNOWN) ? " waiting for " : "") + explain(blame, me) + "); retry in "
				+ LimitMessages.duration(retryAfter);
		if (logger.isDebugEnabled()) {
			logger.debug("{} timed out at priority {}: {}", me.model, me.priority, message);
		}
		return new NoCapacityException(me.model, retryAfter, message);
	}

	private static String explain(Object blame, Waiter me) {
		if (blame instanceof LimitBucket bucket) {
			long reserve = bucket.reserve(me.priorityClass, bucket.amount(me.demand, me.requestsOnly));
			return bucket.describe() + " " + LimitMessages.count(bucket.capacity) + " capacity, "
					+ LimitMessages.count(bucket.available()) + " available"
					+ ((reserve > 0) ? ", " + LimitMessages.count(reserve) + " kept for more urgent calls" : "");
		}
		if (blame instanceof ConcurrencyCap cap && cap.cautious()) {
			return "one call at a time until the provider's first answer tells its limits";
		}
		if (blame instanceof ConcurrencyCap cap) {
			long reserve = cap.reserveOf(me.priorityClass);
			return "max-concurrent " + cap.max + ", " + cap.inUse() + " in use" + (cap.shared() ? " across the fleet" : "")
					+ ((reserve > 0) ? ", " + reserve + " kept for more urgent calls" : "");
		}
		return "";
	}

	LimitSnapshot snapshot() {
		Map<String, Map<String, LimitSnapshot.BucketLevel>> models = new TreeMap<>();
		Map<String, Map<String, LimitSnapshot.LimitSource>> modelSources = new TreeMap<>();
		this.modelBuckets.forEach((model, buckets) -> {
			models.put(model, levels(buckets));
			modelSources.put(model, sources(buckets));
		});
		return new LimitSnapshot(this.name, levels(this.buckets), java.util.Collections.unmodifiableMap(models),
				this.concurrency.capped() ? this.concurrency.max : null, this.concurrency.inUse(), this.waiting,
				sources(this.buckets), java.util.Collections.unmodifiableMap(modelSources));
	}

	private static Map<String, LimitSnapshot.LimitSource> sources(LimitBucket[] buckets) {
		Map<String, LimitSnapshot.LimitSource> sources = new LinkedHashMap<>();
		for (LimitBucket bucket : buckets) {
			sources.put(bucket.limit, new LimitSnapshot.LimitSource((bucket.declared > 0) ? bucket.declared : null,
					bucket.learned(), bucket.reportedRemaining(), bucket.reportedAt()));
		}
		return java.util.Collections.unmodifiableMap(sources);
	}

	private static Map<String, LimitSnapshot.BucketLevel> levels(LimitBucket[] buckets) {
		Map<String, LimitSnapshot.BucketLevel> levels = new LinkedHashMap<>();
		for (LimitBucket bucket : buckets) {
			levels.put(bucket.limit, new LimitSnapshot.BucketLevel(bucket.capacity, bucket.available()));
		}
		return java.util.Collections.unmodifiableMap(levels);
	}

	/** A call in the queue. */
	private static final class Waiter {

		final int priority;

		final int priorityClass;

		final ModelRef model;

		final LimitBucket[] modelBuckets;

		final Demand demand;

		final boolean requestsOnly;

		long seq;

		/** Where what was taken is written, or {@code null}. */
		long[] taken;

		/** What refused it last: a bucket, the concurrency cap, or {@link #UNKNOWN}; guarded by the lock. */
		Object blockedOn = UNKNOWN;

		Waiter(int priority, int priorityClass, ModelRef model, LimitBucket[] modelBuckets, Demand demand,
				boolean requestsOnly) {
			this.priority = priority;
			this.priorityClass = priorityClass;
			this.model = model;
			this.modelBuckets = modelBuckets;
			this.demand = demand;
			this.requestsOnly = requestsOnly;
		}

		boolean needs(Object obstacle) {
			if (obstacle instanceof ConcurrencyCap) {
				return !this.requestsOnly;
			}
			LimitBucket bucket = (LimitBucket) obstacle;
			return (bucket.model == null || bucket.model.equals(this.model.model()))
					&& bucket.amount(this.demand, this.requestsOnly) > 0;
		}

	}

}

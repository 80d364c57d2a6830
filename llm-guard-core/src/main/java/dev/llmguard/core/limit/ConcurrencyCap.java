package dev.llmguard.core.limit;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

import dev.llmguard.core.config.PriorityReserve;

/**
 * Calls of one provider in flight, capped by {@code max-concurrent} when it is set. Every permit
 * holds one slot, so {@link #inUse()} also counts permits that could still give tokens back.
 * <p>
 * With {@link SharedSlots} (the Redis backend) the cap holds across the fleet: a call takes a slot
 * here and a lease there, and the priority reserve applies to the fleet's count. An admission starts
 * the fleet's take ({@link #takeLocal}, {@link #startShared}), takes its buckets meanwhile, then waits
 * for the fleet's answer ({@link #awaitShared}), so both cost one round trip together. For about that
 * round trip a call may thus hold a slot here (and across the fleet) that it frees because a bucket
 * refused, or tokens it gives back because the fleet's cap refused; neither count is ever above its
 * limit.
 */
final class ConcurrencyCap {

	/** {@link #takeLocal}: the cap refused. */
	static final int REFUSED = -1;

	/** {@link #takeLocal}: the slot is held, nothing is to be taken across the fleet. */
	static final int TAKEN = 0;

	/** How long a call refused by a cap counted here waits: until a slot is given back here. */
	private static final long UNTIL_SIGNALLED = Long.MAX_VALUE;

	/** 0 for no cap; changed at runtime by {@link #resize}. */
	volatile int max;

	private volatile long[] reserve;

	private final AtomicInteger inUse = new AtomicInteger();

	/** While true, one call at a time: limits are to be learned and no answer has told them yet. */
	private volatile boolean cautious;

	/** Slots shared with the fleet, or {@code null} when the cap is counted here only. */
	private final SharedSlots shared;

	/** Ids of the shared slots this instance holds; bounded by its calls in flight. */
	private final ConcurrentLinkedQueue<String> held = new ConcurrentLinkedQueue<>();

	ConcurrencyCap(Integer max, PriorityReserve priorityReserve) {
		this(max, priorityReserve, null);
	}

	ConcurrencyCap(Integer max, PriorityReserve priorityReserve, SharedSlots shared) {
		if (max != null && max <= 0) {
			throw new IllegalArgumentException("max-concurrent must be positive, was " + max);
		}
		this.max = (max != null) ? max : 0;
		this.reserve = LimitBucket.reserves(this.max, priorityReserve);
		this.shared = (this.max > 0) ? shared : null;
	}

	/**
	 * A new cap at runtime: calls in flight keep their slots (above a lowered cap, new calls wait until
	 * enough of them finish). A cap cannot be added to or removed from a provider that had none.
	 * @param max the new cap
	 * @param priorityReserve the shares kept for more urgent classes
	 */
	synchronized void resize(int max, PriorityReserve priorityReserve) {
		if (max <= 0) {
			throw new IllegalArgumentException("max-concurrent must be positive, was " + max);
		}
		if (this.max == 0) {
			throw new IllegalStateException("no max-concurrent is configured: a cap can only be added with a restart");
		}
		this.reserve = LimitBucket.reserves(max, priorityReserve);
		this.max = max;
	}

	boolean capped() {
		return this.max > 0;
	}

	/** Lets one call in at a time until {@link #endCaution()}. */
	void beCautious() {
		this.cautious = true;
	}

	/** @return whether caution ended now */
	boolean endCaution() {
		if (!this.cautious) {
			return false;
		}
		this.cautious = false;
		return true;
	}

	boolean cautious() {
		return this.cautious;
	}

	/** Whether the cap holds across the fleet. */
	boolean shared() {
		return this.shared != null;
	}

	/**
	 * Takes a slot if the class's reserve stays free, here and, when shared, across the fleet, waiting
	 * for the fleet's answer.
	 * @throws RuntimeException when the shared store fails (nothing is held then)
	 */
	boolean tryTake(int priorityClass) {
		int fleetLimit = takeLocal(priorityClass);
		if (fleetLimit <= 0) {
			return fleetLimit == TAKEN;
		}
		return awaitShared(startShared(fleetLimit));
	}

	/**
	 * Takes the part of a slot counted here: caution, the class's reserve and this instance's count.
	 * When the cap is shared, the slot is only held once {@link #startShared} and {@link #awaitShared}
	 * took the fleet's part too.
	 * @return {@link #REFUSED}, {@link #TAKEN} when the slot is held (nothing to take across the fleet),
	 * else the limit under which to take the fleet's part
	 */
	int takeLocal(int priorityClass) {
		if (this.max == 0 && !this.cautious) {
			this.inUse.incrementAndGet();
			return TAKEN;
		}
		long limit = this.max - this.reserve[priorityClass];
		if (this.max > 0 && limit <= 0) {
			return REFUSED; // a resize happened between the reads
		}
		// while cautious, one call at a time here; it still needs a slot of the fleet's cap, like any call,
		// else it would run uncounted there and, when it ends, free a slot another call of this instance holds
		long here = this.cautious ? 1 : limit;
		for (;;) {
			int current = this.inUse.get();
			if (current + 1 > here) {
				return REFUSED;
			}
			if (this.inUse.compareAndSet(current, current + 1)) {
				break;
			}
		}
		return (this.shared == null) ? TAKEN : (int) limit;
	}

	/**
	 * Starts taking the fleet's part of a slot whose part here {@link #takeLocal} took, without waiting.
	 * @param fleetLimit what {@link #takeLocal} answered
	 * @return the take, for {@link #awaitShared} or {@link #cancelShared}
	 * @throws RuntimeException when the shared store fails (the part here is given back then)
	 */
	PendingSlot startShared(int fleetLimit) {
		try {
			return this.shared.startTake(fleetLimit);
		}
		catch (RuntimeException | Error ex) {
			this.inUse.decrementAndGet();
			throw ex;
		}
	}

	/**
	 * Waits for the fleet's part of a slot.
	 * @return whether the slot is held; when not, the part here is given back
	 * @throws RuntimeException when the shared store fails (nothing is held then)
	 */
	boolean awaitShared(PendingSlot pending) {
		String slot;
		try {
			slot = pending.await();
		}
		catch (RuntimeException | Error ex) {
			this.inUse.decrementAndGet();
			throw ex;
		}
		if (slot == null) {
			this.inUse.decrementAndGet();
			return false;
		}
		this.held.add(slot);
		return true;
	}

	/**
	 * Gives up on a slot whose fleet's part was started and not awaited: the fleet's part is freed
	 * without waiting, the part here at once.
	 */
	void cancelShared(PendingSlot pending) {
		try {
			pending.cancel();
		}
		finally {
			this.inUse.decrementAndGet();
		}
	}

	void release() {
		this.inUse.decrementAndGet();
		if (this.shared != null) {
			// slots are interchangeable: any one this instance holds is freed
			String slot = this.held.poll();
			if (slot != null) {
				this.shared.release(slot);
			}
		}
	}

	/** Calls of this instance holding a slot. */
	int localInUse() {
		return this.inUse.get();
	}

	/** Slots held: across the fleet when shared (this instance's count when the fleet's cannot be read). */
	int inUse() {
		if (this.shared != null) {
			int fleet = this.shared.inUse();
			if (fleet >= 0) {
				return fleet;
			}
		}
		return this.inUse.get();
	}

	/**
	 * How long a call refused by this cap may wait before trying again: until signalled when the cap is
	 * counted here (a slot given back here signals), a short poll when shared.
	 */
	long retryNanos() {
		return (this.shared != null) ? this.shared.pollNanos() : UNTIL_SIGNALLED;
	}

	long reserveOf(int priorityClass) {
		return this.reserve[priorityClass];
	}

}

package dev.llmguard.core.limit;

import java.util.concurrent.atomic.AtomicInteger;

import dev.llmguard.core.config.PriorityReserve;

/**
 * Calls of one provider in flight, capped by {@code max-concurrent} when it is set. Every permit
 * holds one slot, so {@link #inUse()} also counts permits that could still give tokens back.
 */
final class ConcurrencyCap {

	/** 0 for no cap. */
	final int max;

	private final long[] reserve;

	private final AtomicInteger inUse = new AtomicInteger();

	/** While true, one call at a time: limits are to be learned and no answer has told them yet. */
	private volatile boolean cautious;

	ConcurrencyCap(Integer max, PriorityReserve priorityReserve) {
		if (max != null && max <= 0) {
			throw new IllegalArgumentException("max-concurrent must be positive, was " + max);
		}
		this.max = (max != null) ? max : 0;
		this.reserve = LimitBucket.reserves(this.max, priorityReserve);
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

	/** Takes a slot if the class's reserve stays free. */
	boolean tryTake(int priorityClass) {
		if (this.cautious) {
			for (;;) {
				int current = this.inUse.get();
				if (current >= 1) {
					return false;
				}
				if (this.inUse.compareAndSet(current, current + 1)) {
					return true;
				}
			}
		}
		if (this.max == 0) {
			this.inUse.incrementAndGet();
			return true;
		}
		long limit = this.max - this.reserve[priorityClass];
		for (;;) {
			int current = this.inUse.get();
			if (current + 1 > limit) {
				return false;
			}
			if (this.inUse.compareAndSet(current, current + 1)) {
				return true;
			}
		}
	}

	void release() {
		this.inUse.decrementAndGet();
	}

	int inUse() {
		return this.inUse.get();
	}

	long reserveOf(int priorityClass) {
		return this.reserve[priorityClass];
	}

}

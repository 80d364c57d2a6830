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

	/** Takes a slot if the class's reserve stays free. */
	boolean tryTake(int priorityClass) {
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

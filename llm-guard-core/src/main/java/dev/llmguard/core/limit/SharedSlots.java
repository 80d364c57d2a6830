package dev.llmguard.core.limit;

/**
 * The concurrency slots of one provider, shared by every instance of the fleet (the Redis backend),
 * so that {@code max-concurrent} caps the calls in flight across all of them. A slot is a lease: it is
 * freed when its call settles, and comes back by itself when the instance holding it dies.
 * <p>
 * Slots are interchangeable: the cap in this JVM keeps the ids it took and frees any of them when one
 * of its calls settles.
 *
 * @see BucketStore#sharedSlots(String)
 */
public interface SharedSlots {

	/**
	 * Takes one slot when fewer than {@code limit} are held across the fleet.
	 * @param limit the most slots that may be held after taking (the cap less the share kept for more
	 * urgent calls)
	 * @return the id of the slot taken, or {@code null} when none is free
	 */
	String tryTake(int limit);

	/**
	 * Starts taking one slot, as {@link #tryTake}, without waiting for the answer, so that the take
	 * overlaps other work of the admission (the bucket takes). The default takes the slot at once.
	 * @param limit as for {@link #tryTake}
	 * @return the take, to be awaited or cancelled
	 * @throws RuntimeException when the shared store fails at once; nothing is held then
	 */
	default PendingSlot startTake(int limit) {
		String slot = tryTake(limit);
		return new PendingSlot() {

			@Override
			public String await() {
				return slot;
			}

			@Override
			public void cancel() {
				if (slot != null) {
					release(slot);
				}
			}

		};
	}

	/**
	 * Frees a slot taken by {@link #tryTake} or {@link #startTake}. Never throws: a slot that cannot be freed now comes back
	 * when its lease ends.
	 * @param slot the slot's id
	 */
	void release(String slot);

	/**
	 * Slots held across the fleet now, for the actuator endpoint and error messages.
	 * @return the number, or {@code -1} when it cannot be read now
	 */
	int inUse();

	/**
	 * How long a call refused a slot waits before asking again: a slot another instance frees sends
	 * no signal to this one.
	 * @return the pause in nanoseconds of the engine's clock
	 */
	long pollNanos();

}

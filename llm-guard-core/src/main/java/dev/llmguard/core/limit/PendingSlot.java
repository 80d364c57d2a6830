package dev.llmguard.core.limit;

/**
 * A shared slot whose take was started by {@link SharedSlots#startTake(int)} and not answered yet, so
 * that the take overlaps the bucket takes of the same admission. Exactly one of {@link #await()} and
 * {@link #cancel()} is called, once.
 */
public interface PendingSlot {

	/**
	 * Waits for the answer of the take.
	 * @return the id of the slot taken, or {@code null} when none was free (as {@link SharedSlots#tryTake(int)})
	 * @throws RuntimeException when the shared store fails, as {@link SharedSlots#tryTake(int)}; no slot is
	 * held then
	 */
	String await();

	/**
	 * Gives up on the take without waiting for its answer: a slot it took is freed as by
	 * {@link SharedSlots#release(String)}. Never throws.
	 */
	void cancel();

}

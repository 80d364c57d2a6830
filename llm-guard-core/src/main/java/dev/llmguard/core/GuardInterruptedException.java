package dev.llmguard.core;

/**
 * Thrown by a shared store's operation (budget ledger, buckets, slots) when the calling thread was
 * interrupted while it waited for the store's answer; the thread's interrupt flag is set again. The
 * engine raises the {@link InterruptedException} it carries, as for its own waits: an interrupt is the
 * caller leaving, not the store failing, so it is neither counted as a store failure nor answered by the
 * store's failure mode.
 */
public class GuardInterruptedException extends RuntimeException {

	/**
	 * @param operation what the thread waited for, for the message
	 * @param cause the interrupt
	 */
	public GuardInterruptedException(String operation, InterruptedException cause) {
		super("interrupted while waiting for " + operation, cause);
	}

	/**
	 * The interrupt, to raise where {@link InterruptedException} can be thrown.
	 * @return the cause
	 */
	public InterruptedException interruption() {
		return (InterruptedException) getCause();
	}

}

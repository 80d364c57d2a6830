package dev.llmguard.core;

import dev.llmguard.core.event.GuardEvent;
import dev.llmguard.core.event.GuardListener;

/**
 * One call watched by a {@link CallObserver}. Receives the events of its own call only
 * ({@link GuardEvent.Waited} when a model was admitted, {@link GuardEvent.Retried},
 * {@link GuardEvent.FellBack}, {@link GuardEvent.CallFinished}, …), then exactly one {@link #stop}.
 */
public interface ObservedCall extends GuardListener {

	/** Records nothing. */
	ObservedCall NONE = new ObservedCall() {

		@Override
		public void onEvent(GuardEvent event) {
		}

		@Override
		public Scope openScope() {
			return Scope.NOOP;
		}

		@Override
		public void stop(Throwable error) {
		}

	};

	/**
	 * Makes the call current on this thread until the scope is closed, so work started meanwhile (the
	 * provider call) is seen as part of it.
	 * @return the scope to close on the same thread
	 */
	Scope openScope();

	/**
	 * Ends the call.
	 * @param error what the call raised, or {@code null} when it returned
	 */
	void stop(Throwable error);

	/** A call made current on one thread. */
	interface Scope extends AutoCloseable {

		/** Nothing to close. */
		Scope NOOP = () -> {
		};

		@Override
		void close();

	}

}

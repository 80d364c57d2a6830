package dev.llmguard.springai;

import java.util.function.Supplier;

import dev.llmguard.core.LlmGuardContext;

/**
 * The model request the advisor is sending right now (on this thread for {@code call()}, under
 * {@link #KEY} in the Reactor context for {@code stream()}): the guarded chat model below it then
 * only sends the request to the chosen provider and model, since the advisor admitted it and counts
 * its usage. A call is admitted exactly once.
 */
final class ModelRequests {

	/** Reactor context key of the request a stream sends. */
	static final String KEY = ModelRequests.class.getName();

	private static final ThreadLocal<LlmGuardContext> CURRENT = new ThreadLocal<>();

	private ModelRequests() {
	}

	/** The request the advisor is sending on this thread, or {@code null}. */
	static LlmGuardContext current() {
		return CURRENT.get();
	}

	/** Runs the advisor's sending of one request with its context. */
	static <T> T sending(LlmGuardContext context, Supplier<T> send) {
		LlmGuardContext previous = CURRENT.get();
		CURRENT.set(context);
		try {
			return send.get();
		}
		finally {
			if (previous == null) {
				CURRENT.remove();
			}
			else {
				CURRENT.set(previous);
			}
		}
	}

}

package dev.llmguard.core;


/**
 * Watches guarded calls one by one, for tracing: the engine starts an {@link ObservedCall} on the
 * calling thread before admission, makes it current while the provider is called (so the provider
 * client's own observations nest inside it), hands it the call's events and stops it when the call
 * ends. Must be fast and must not throw.
 */
@FunctionalInterface
public interface CallObserver {

	/** Watches nothing. */
	CallObserver NONE = (request) -> ObservedCall.NONE;

	/**
	 * Starts watching a call.
	 * @param request what is known of the call; its tenant and session are for context only
	 * @return the watched call, never {@code null}
	 */
	ObservedCall start(CallRequest request);

}

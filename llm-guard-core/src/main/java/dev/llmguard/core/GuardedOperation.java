package dev.llmguard.core;

/** The provider call a guard wraps; it receives the context with the chosen model. */
@FunctionalInterface
public interface GuardedOperation<T> {

	T call(LlmGuardContext context) throws Throwable;

}

package dev.llmguard.reactive;

import org.reactivestreams.Publisher;

import dev.llmguard.core.LlmGuardContext;

/** A streaming provider call; the guard holds the call's capacity until the publisher terminates. */
@FunctionalInterface
public interface StreamOperation<T> {

	/**
	 * @param context the admitted call, with the chosen model
	 * @return the stream; it is subscribed once per attempt
	 */
	Publisher<T> call(LlmGuardContext context) throws Throwable;

}

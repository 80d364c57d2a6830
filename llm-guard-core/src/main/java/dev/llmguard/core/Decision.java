package dev.llmguard.core;

import java.time.Duration;

import dev.llmguard.core.retry.ErrorClassification;

/**
 * What a call does after one of its attempts failed: the one answer every driver (blocking,
 * asynchronous, streaming) acts on. {@link CallExecution#decide} says whether to retry;
 * {@link CallExecution#giveUp} says what follows when the model is given up. A call whose code made
 * model requests through guarded clients is not run again: those requests were retried on their own
 * ({@link CallExecution#afterRequestsFailed}).
 */
public sealed interface Decision {

	/**
	 * Try the same model again after the pause, once {@link CallExecution#prepareRetry} has taken the
	 * capacity for the next try.
	 * @param delay the pause: the backoff, or the provider's {@code Retry-After}
	 * @param classification what the failure was
	 */
	record Retry(Duration delay, ErrorClassification classification) implements Decision {
	}

	/**
	 * The model is given up (its capacity returned or charged): admit the next model of the chain; the
	 * call is exhausted when none is left.
	 */
	record FailOver() implements Decision {
	}

	/**
	 * The call ends with this error: a failure no other model can fix, or the guard's own refusal.
	 * @param error the error to raise
	 */
	record Raise(Throwable error) implements Decision {
	}

}

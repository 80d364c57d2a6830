package dev.llmguard.core;

import dev.llmguard.core.model.Usage;

/**
 * The steps of one guarded call, for a driver outside this package that runs them itself (the
 * reactive one, over a {@code Flux}); applications never need it. Made by
 * {@link LlmGuardEngine#start}: {@link #admit} a model, run the attempt ({@link #sending}, then for a
 * stream {@link #streamed} per element), then either {@link #succeeded} / {@link #streamEnded}, or on a
 * failure {@link #afterFailure} (a retry after its pause, a failover or the error), until
 * {@link #exhausted}. A caller who leaves {@link #cancel cancels} the call: the steps account for
 * what its try sent and streamed, so a driver keeps no accounting of its own.
 */
public interface GuardedCall {

	/** The estimated input tokens of the call, from the request or the tokenizer. */
	long inputEstimate();

	/** The observer watching this call ({@link ObservedCall#NONE} when nobody does). */
	ObservedCall observed();

	/**
	 * Admits the call on the next model that can take it: skips cooling-down models and models whose
	 * context window is too small, reserves budget, waits for rate capacity.
	 * @return the admitted attempt, or {@code null} when every model was tried (then call
	 * {@link #exhausted})
	 * @throws BudgetExceededException when a rejecting budget cannot afford the call
	 * @throws InterruptedException when the thread is interrupted while waiting
	 * @throws java.util.concurrent.CancellationException when the call was {@linkplain #cancel cancelled}
	 * (what the wait took is given back)
	 */
	Attempt admit() throws InterruptedException;

	/** Whether model requests were made inside this call through guarded clients: they were retried on their own. */
	boolean madeRequests();

	/**
	 * The code of this call failed after making model requests through guarded clients, which were
	 * retried and failed over on their own: the code is not run again. When a request found every model
	 * failed, the chain's fallback response answers if the result type can carry it; else the error
	 * propagates.
	 */
	<T> T afterRequestsFailed(Throwable error, FallbackResponseMapper<T> mapper) throws Throwable;

	/**
	 * The attempt returned a result: settles with the usage the code recorded, else the usage found in
	 * the result, else the estimate (counted as estimated).
	 */
	void succeeded(Attempt attempt, Object result);

	/**
	 * Settles an attempt with its usage: commits cost and tokens to every budget, reconciles the
	 * buckets and frees the concurrency slot. Safe to call more than once; only the first counts.
	 */
	void settle(Attempt attempt, Usage usage, boolean estimated);

	/**
	 * Charges an attempt whose outcome is unknown (a read timeout, a connection lost after sending, a
	 * call or stream cancelled after the request left): the provider may have processed and billed it,
	 * so its reserved worst case is committed to every budget and kept in the token buckets, marked as
	 * estimated. Does nothing when the attempt was already settled, released or charged.
	 * @param reason why the outcome is unknown, for the event
	 */
	void charge(Attempt attempt, String reason);

	/**
	 * Whether to retry the attempt's model after a failure: {@link Decision.Retry} with its pause, else
	 * {@code null} (then {@link #giveUp}). Changes nothing: the driver pauses, then prepares the retry.
	 */
	Decision.Retry decide(Attempt attempt, Throwable error);

	/**
	 * Gives the attempt's model up after a failure that is not retried, and says what the call does
	 * next: {@link Decision.Raise} when the attempt had settled (its settlement failed), for a failure no
	 * other model can fix, or an interrupt; else {@link Decision.FailOver}, the model abandoned
	 * ({@link #abandon}: its capacity returned, or charged when the outcome is unknown).
	 */
	Decision giveUp(Attempt attempt, Throwable error);

	/**
	 * Announces the retry a {@link Decision.Retry} asked for (an event, a metric), before its pause.
	 */
	void retrying(Attempt attempt, Decision.Retry retry);

	/**
	 * Prepares the retry a {@link Decision.Retry} asked for: pauses on the guard's clock, then takes
	 * the capacity of the next try.
	 * @return false when no capacity came within the call's max wait (then {@link #giveUp})
	 */
	boolean prepareRetry(Attempt attempt, Decision.Retry retry) throws InterruptedException;

	/** Gives an attempt's capacity back without spending (the call failed or was cancelled before any output). */
	void release(Attempt attempt);

	/**
	 * Every model was tried: the chain's fallback response when the result type can carry it, else the
	 * guard's own rejection when no provider was even asked, else {@link FallbackExhaustedException}
	 * (or, for a single model, the provider's error).
	 */
	<T> T exhausted(FallbackResponseMapper<T> mapper) throws Throwable;

	/**
	 * The whole decision after a failed attempt, for drivers that do not run spring-retry's loop, on a
	 * thread that may wait: a retry (after its pause, with the next try's capacity taken), a failover
	 * or the error to raise. A try that streamed output is settled with it and raises (a retry would
	 * repeat the output); after a {@link #cancel} the attempt is given back (or charged) and raises.
	 * @return {@link Decision.Retry} when the attempt is ready to run again, {@link Decision.FailOver}
	 * (admit the next model) or {@link Decision.Raise}
	 * @throws InterruptedException when interrupted during the pause (the attempt is given back then)
	 */
	Decision afterFailure(Attempt attempt, Throwable error) throws InterruptedException;

	/** The try's request may leave from now on: a caller who leaves later has it charged, not given back. */
	void sending(Attempt attempt);

	/**
	 * The try's request came back (an answer or a failure): a caller who leaves from now on leaves its
	 * accounting to the step that follows ({@link #succeeded}, {@link #afterFailure}).
	 */
	void returned(Attempt attempt);

	/**
	 * One element of the try's streamed output.
	 * @param text the element's text, or {@code null} when it carries none
	 * @param usage the usage it reported, or {@code null}
	 */
	void streamed(Attempt attempt, CharSequence text, Usage usage, Object element);

	/**
	 * The try's stream completed: settles with the usage the code recorded, else the usage the stream
	 * reported, else an estimate from the streamed text (or the whole allowance when output came that
	 * was no text), counted as estimated.
	 * @param single whether the stream carried one value, settled like a synchronous result (the
	 * engine's usage extractors read it)
	 */
	void streamEnded(Attempt attempt, boolean single);

	/**
	 * The caller left (a cancelled future, a disposed subscription): stops a wait for capacity or a
	 * retry pause at once, and accounts for the current try: settled with what it streamed, charged when
	 * its request may have left, else given back. Later steps fail with
	 * {@link java.util.concurrent.CancellationException}. A model request's cancel leaves its enclosing
	 * call running.
	 */
	void cancel();

}

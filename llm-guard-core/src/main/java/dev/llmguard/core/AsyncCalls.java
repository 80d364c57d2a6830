package dev.llmguard.core;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;


/**
 * The driver of asynchronous calls ({@link LlmGuardEngine#executeAsync}): admission waits and retry
 * pauses run on the guard's executor, never on the caller's thread; the steps are the call's
 * ({@link CallExecution}), the decisions after a failure the same as every driver's ({@link Decision}).
 */
final class AsyncCalls {

	private final LlmGuardEngine engine;

	private final Executor executor;

	AsyncCalls(LlmGuardEngine engine, Executor executor) {
		this.engine = engine;
		this.executor = executor;
	}

	<T> CompletableFuture<T> execute(CallRequest request, AsyncGuardedOperation<T> operation,
			FallbackResponseMapper<T> fallback) {
		CompletableFuture<T> result = new CompletableFuture<>();
		if (request.tool() != null) {
			try {
				T answer = this.engine.toolFallback(request.tool(), fallback);
				if (answer != null) {
					result.complete(answer);
					return result;
				}
			}
			catch (Throwable ex) {
				result.completeExceptionally(ex);
				return result;
			}
		}
		ObservedCall observed = this.engine.observe(request);
		// the guard completes 'call'; the caller's future completes only once the observation has stopped,
		// so the caller's callbacks see the call's span closed, and cancelling it cancels the call
		CompletableFuture<T> call = new CompletableFuture<>();
		call.whenComplete((value, failure) -> {
			try {
				observed.stop((failure != null) ? unwrap(failure) : null);
			}
			finally {
				if (failure != null) {
					result.completeExceptionally(failure);
				}
				else {
					result.complete(value);
				}
			}
		});
		result.whenComplete((value, failure) -> {
			if (result.isCancelled()) {
				call.cancel(true);
			}
		});
		GuardedCall execution;
		try {
			execution = this.engine.start(request, observed, true);
		}
		catch (RuntimeException ex) {
			call.completeExceptionally(ex);
			return result;
		}
		try {
			this.executor.execute(() -> admitAsync(execution, operation, fallback, call));
		}
		catch (RejectedExecutionException ex) {
			call.completeExceptionally(ex); // nothing was taken yet
		}
		return result;
	}

	private <T> void admitAsync(GuardedCall execution, AsyncGuardedOperation<T> operation,
			FallbackResponseMapper<T> fallback, CompletableFuture<T> result) {
		if (result.isDone()) {
			return; // cancelled before admission began: nothing was taken
		}
		Attempt attempt;
		try {
			attempt = admitUnlessCancelled(execution, result);
			if (attempt == null && !result.isDone()) {
				result.complete(execution.exhausted(fallback));
			}
		}
		catch (Throwable ex) {
			if (ex instanceof InterruptedException && !result.isDone()) {
				Thread.currentThread().interrupt();
			}
			result.completeExceptionally(ex);
			return;
		}
		if (attempt != null && result.isDone()) {
			// the caller cancelled while the call waited for capacity: nobody will use it, no request leaves
			execution.release(attempt);
		}
		else if (attempt != null) {
			attemptAsync(execution, attempt, operation, fallback, result);
		}
	}

	/**
	 * Admits the call on this executor thread; cancelling the caller's future interrupts the wait for
	 * capacity, so a cancelled call stops queueing at once.
	 */
	private static Attempt admitUnlessCancelled(GuardedCall execution, CompletableFuture<?> result)
			throws InterruptedException {
		Thread waiting = Thread.currentThread();
		Object lock = new Object();
		boolean[] admitting = { true };
		result.whenComplete((value, failure) -> {
			if (result.isCancelled()) {
				synchronized (lock) {
					if (admitting[0]) {
						waiting.interrupt();
					}
				}
			}
		});
		try {
			return execution.admit();
		}
		finally {
			synchronized (lock) {
				admitting[0] = false;
				if (result.isCancelled()) {
					Thread.interrupted(); // the interrupt was ours: the pool thread goes on clean
				}
			}
		}
	}

	private <T> void attemptAsync(GuardedCall execution, Attempt attempt, AsyncGuardedOperation<T> operation,
			FallbackResponseMapper<T> fallback, CompletableFuture<T> result) {
		if (result.isDone()) {
			execution.release(attempt); // cancelled during the pause before this try: it never leaves
			return;
		}
		AtomicBoolean inFlight = new AtomicBoolean(true);
		// before the provider is called: once its stage fails, the next try may start on another thread
		LlmGuardContext thisTry = attempt.context();
		CompletionStage<T> called;
		try (ObservedCall.Scope observation = execution.observed().openScope();
				LlmGuardContext.Scope scope = LlmGuardContext.open(thisTry)) {
			called = Objects.requireNonNull(operation.call(thisTry), "the operation returned no stage");
		}
		catch (Throwable ex) {
			called = CompletableFuture.failedFuture(ex);
		}
		CompletionStage<T> stage = called;
		stage.whenComplete((value, failure) -> {
			inFlight.set(false);
			if (failure == null) {
				try {
					execution.succeeded(attempt, value);
					result.complete(value);
				}
				catch (Throwable ex) {
					result.completeExceptionally(ex);
				}
				return;
			}
			Throwable error = unwrap(failure);
			try {
				this.executor.execute(
						() -> afterAsyncFailure(execution, attempt, error, operation, fallback, result));
			}
			catch (RejectedExecutionException ex) {
				execution.giveUp(attempt, error); // gives its capacity back (or charges it)
				ex.addSuppressed(error);
				result.completeExceptionally(ex);
			}
		});
		result.whenComplete((value, failure) -> {
			if (!result.isCancelled()) {
				return;
			}
			// account first: cancelling the provider's stage completes it, and the failure path that follows
			// would give the attempt back as if nothing had left
			if (attempt.context() == thisTry) { // else a later try of this attempt holds it, and answers for it
				execution.cancelled(attempt, inFlight.get());
			}
			stage.toCompletableFuture().cancel(true);
		});
	}

	private <T> void afterAsyncFailure(GuardedCall execution, Attempt attempt, Throwable error,
			AsyncGuardedOperation<T> operation, FallbackResponseMapper<T> fallback, CompletableFuture<T> result) {
		try {
			if (result.isDone()) {
				execution.release(attempt);
				return;
			}
			if (execution.madeRequests()) {
				// each model request was retried and failed over on its own: the code is not run again
				result.complete(execution.afterRequestsFailed(error, fallback));
				return;
			}
			Decision next = execution.afterFailure(attempt, error);
			if (next instanceof Decision.Raise raise) {
				result.completeExceptionally(raise.error());
			}
			else if (next instanceof Decision.Retry) {
				attemptAsync(execution, attempt, operation, fallback, result);
			}
			else {
				admitAsync(execution, operation, fallback, result);
			}
		}
		catch (Throwable ex) {
			execution.release(attempt);
			if (ex instanceof InterruptedException) {
				Thread.currentThread().interrupt();
			}
			result.completeExceptionally(ex);
		}
	}

	private static Throwable unwrap(Throwable failure) {
		Throwable t = failure;
		while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
			t = t.getCause();
		}
		return t;
	}

}

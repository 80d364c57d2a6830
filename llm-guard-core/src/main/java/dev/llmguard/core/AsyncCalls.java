package dev.llmguard.core;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * The driver of asynchronous calls ({@link LlmGuardEngine#executeAsync}): admission waits and retry
 * pauses run on the guard's executor, never on the caller's thread; the steps are the call's
 * ({@link CallExecution}), the decisions after a failure the same as every driver's ({@link Decision}).
 * Cancelling the caller's future {@linkplain GuardedCall#cancel cancels the call}, then the provider's stage.
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
		try {
			T answer = (request.tool() != null) ? this.engine.toolFallback(request.tool(), fallback) : null;
			if (answer != null) {
				result.complete(answer);
				return result;
			}
		}
		catch (Throwable ex) {
			result.completeExceptionally(ex);
			return result;
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
		try {
			this.executor.execute(new Driver<>(this.engine.start(request, observed, true), operation, fallback, call)::admit);
		}
		catch (RuntimeException ex) {
			call.completeExceptionally(ex); // no usable route, or no executor: nothing was taken yet
		}
		return result;
	}

	/** One asynchronous call: each step hands on to the next, on the guard's executor. */
	private final class Driver<T> {

		private final GuardedCall call;

		private final AsyncGuardedOperation<T> operation;

		private final FallbackResponseMapper<T> fallback;

		private final CompletableFuture<T> result;

		Driver(GuardedCall call, AsyncGuardedOperation<T> operation, FallbackResponseMapper<T> fallback,
				CompletableFuture<T> result) {
			this.call = call;
			this.operation = operation;
			this.fallback = fallback;
			this.result = result;
			result.whenComplete((value, failure) -> {
				if (result.isCancelled()) {
					call.cancel();
				}
			});
		}

		void admit() {
			try {
				Attempt attempt = this.call.admit();
				if (attempt == null) {
					this.result.complete(this.call.exhausted(this.fallback));
				}
				else {
					send(attempt);
				}
			}
			catch (Throwable ex) {
				fail(null, ex);
			}
		}

		private void send(Attempt attempt) {
			// this try's context, taken first: once its stage fails, the next try may start on another thread
			LlmGuardContext thisTry = attempt.context();
			this.call.sending(attempt);
			CompletionStage<T> stage;
			try (ObservedCall.Scope observation = this.call.observed().openScope();
					LlmGuardContext.Scope scope = LlmGuardContext.open(thisTry)) {
				stage = Objects.requireNonNull(this.operation.call(thisTry), "the operation returned no stage");
			}
			catch (Throwable ex) {
				stage = CompletableFuture.failedFuture(ex);
			}
			stage.whenComplete((value, failure) -> {
				this.call.returned(attempt);
				if (failure == null) {
					succeeded(attempt, value);
					return;
				}
				try {
					AsyncCalls.this.executor.execute(() -> afterFailure(attempt, unwrap(failure)));
				}
				catch (RejectedExecutionException ex) {
					this.call.giveUp(attempt, unwrap(failure)); // gives its capacity back (or charges it)
					ex.addSuppressed(failure);
					fail(attempt, ex);
				}
			});
			CompletionStage<T> provider = stage;
			this.result.whenComplete((value, failure) -> {
				if (this.result.isCancelled()) {
					// account first: the provider's stage, once cancelled, fails like any other try
					this.call.cancel();
					provider.toCompletableFuture().cancel(true);
				}
			});
		}

		private void succeeded(Attempt attempt, T value) {
			try {
				this.call.succeeded(attempt, value);
				this.result.complete(value);
			}
			catch (Throwable ex) {
				fail(attempt, ex);
			}
		}

		private void afterFailure(Attempt attempt, Throwable error) {
			try {
				if (this.call.madeRequests()) {
					// each model request was retried and failed over on its own: the code is not run again
					this.result.complete(this.call.afterRequestsFailed(error, this.fallback));
					return;
				}
				Decision next = this.call.afterFailure(attempt, error);
				if (next instanceof Decision.Raise raise) {
					fail(attempt, raise.error());
				}
				else if (next instanceof Decision.Retry) {
					send(attempt);
				}
				else {
					admit();
				}
			}
			catch (Throwable ex) {
				fail(attempt, ex);
			}
		}

		/** Ends the call with an error; an attempt still held is given back (once: it may be accounted already). */
		private void fail(Attempt attempt, Throwable error) {
			if (attempt != null) {
				this.call.release(attempt);
			}
			if (error instanceof InterruptedException && !this.result.isDone()) {
				Thread.currentThread().interrupt();
			}
			this.result.completeExceptionally(error);
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

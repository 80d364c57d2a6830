package dev.llmguard.core;

import org.springframework.retry.RetryCallback;
import org.springframework.retry.RetryContext;
import org.springframework.retry.RetryListener;
import org.springframework.retry.RetryPolicy;
import org.springframework.retry.backoff.BackOffContext;
import org.springframework.retry.backoff.BackOffInterruptedException;
import org.springframework.retry.backoff.BackOffPolicy;
import org.springframework.retry.context.RetryContextSupport;
import org.springframework.retry.support.RetryTemplate;

/**
 * spring-retry's part of a blocking call: the retry loop over one model's attempts, from the first
 * try. The policy asks the call whether to retry ({@link CallExecution#decide}); a listener announces
 * each retry ({@link CallExecution#retrying}); the back-off pauses on the guard's clock and takes the
 * capacity of the next try ({@link CallExecution#prepareRetry}). One template serves every call of an
 * engine: each call's state lives in its own retry context.
 */
final class AttemptRetries implements RetryPolicy, BackOffPolicy, RetryListener {

	/** The {@link Tried} of a retry context: which call and attempt it retries. */
	private static final String TRIED = "llm-guard.tried";

	/** The {@link Decision.Retry} for the last failure; absent when it is not retried. */
	private static final String RETRY = "llm-guard.retry";

	/** Set when no capacity came for the next try: the loop ends. */
	private static final String NO_CAPACITY = "llm-guard.no-capacity";

	private final RetryTemplate template = new RetryTemplate();

	AttemptRetries() {
		this.template.setRetryPolicy(this);
		this.template.setBackOffPolicy(this);
		this.template.registerListener(this);
		this.template.setThrowLastExceptionOnExhausted(true);
	}

	/**
	 * Calls the attempt's model, and again as the call decides after each failure.
	 * @throws Throwable the last failure once the call gives the model up
	 */
	<T> T call(CallExecution execution, Attempt attempt, GuardedOperation<T> operation) throws Throwable {
		return this.template.execute((RetryCallback<T, Throwable>) context -> {
			if (context.getRetryCount() == 0) {
				context.setAttribute(TRIED, new Tried(execution, attempt));
			}
			try (LlmGuardContext.Scope scope = LlmGuardContext.open(attempt.context())) {
				return operation.call(attempt.context());
			}
		});
	}

	@Override
	public RetryContext open(RetryContext parent) {
		return new RetryContextSupport(parent);
	}

	@Override
	public void registerThrowable(RetryContext context, Throwable throwable) {
		((RetryContextSupport) context).registerThrowable(throwable);
		Tried tried = (Tried) context.getAttribute(TRIED);
		// closed: model requests made inside the call took the attempt and were retried on their own
		Decision.Retry retry = (throwable instanceof InterruptedException || tried.attempt().isClosed()) ? null
				: tried.execution().decide(tried.attempt(), throwable);
		context.setAttribute(RETRY, retry);
	}

	@Override
	public boolean canRetry(RetryContext context) {
		return context.getLastThrowable() == null
				|| (context.getAttribute(RETRY) != null && !context.hasAttribute(NO_CAPACITY));
	}

	@Override
	public void close(RetryContext context) {
	}

	@Override
	public <T, E extends Throwable> void onError(RetryContext context, RetryCallback<T, E> callback,
			Throwable throwable) {
		Decision.Retry retry = (Decision.Retry) context.getAttribute(RETRY);
		if (retry != null) {
			Tried tried = (Tried) context.getAttribute(TRIED);
			tried.execution().retrying(tried.attempt(), retry);
		}
	}

	@Override
	public BackOffContext start(RetryContext context) {
		return new Pause(context);
	}

	@Override
	public void backOff(BackOffContext backOffContext) throws BackOffInterruptedException {
		RetryContext context = ((Pause) backOffContext).context();
		Tried tried = (Tried) context.getAttribute(TRIED);
		try {
			if (!tried.execution().prepareRetry(tried.attempt(), (Decision.Retry) context.getAttribute(RETRY))) {
				context.setAttribute(NO_CAPACITY, Boolean.TRUE);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new BackOffInterruptedException("Interrupted while waiting to retry", ex);
		}
	}

	private record Tried(CallExecution execution, Attempt attempt) {
	}

	private record Pause(RetryContext context) implements BackOffContext {
	}

}

package dev.llmguard.core.retry;


import org.springframework.retry.RetryContext;
import org.springframework.retry.RetryPolicy;
import org.springframework.retry.backoff.BackOffContext;
import org.springframework.retry.backoff.BackOffInterruptedException;
import org.springframework.retry.backoff.BackOffPolicy;
import org.springframework.retry.context.RetryContextSupport;

import dev.llmguard.core.Attempt;
import dev.llmguard.core.CallExecution;
import dev.llmguard.core.Decision;

/**
 * The spring-retry policies of one model attempt: whether to retry comes from the call's
 * classification of the failure (retryable kind, attempts left, no other model to fail over to for a
 * rate limit); the pause is the exponential backoff or the provider's {@code Retry-After}, slept on
 * the guard's clock, after which one more request is taken from the request buckets.
 */
public final class GuardRetryPolicy implements RetryPolicy, BackOffPolicy {

	/** Set on the retry context when no request capacity came for the next attempt. */
	public static final String NO_CAPACITY = "llm-guard.no-capacity";

	/** The {@link Decision.Retry} for the last failure, {@code null} when it is not retried. */
	private static final String RETRY = "llm-guard.retry";

	/** The retry count whose failure {@link #DELAY} was decided for. */
	private static final String DECIDED_AT = "llm-guard.decided-at";

	private final CallExecution execution;

	private final Attempt attempt;

	public GuardRetryPolicy(CallExecution execution, Attempt attempt) {
		this.execution = execution;
		this.attempt = attempt;
	}

	@Override
	public boolean canRetry(RetryContext context) {
		Throwable last = context.getLastThrowable();
		if (last == null) {
			return true;
		}
		if (context.hasAttribute(NO_CAPACITY) || last instanceof InterruptedException || this.attempt.isClosed()) {
			// closed: model requests made inside the call took the attempt and were retried on their own
			return false;
		}
		// RetryTemplate asks again before the next attempt, after prepareRetry moved the attempt number
		// on: answer as decided for this failure, or the last attempt allowed would never run
		Integer failure = context.getRetryCount();
		if (failure.equals(context.getAttribute(DECIDED_AT))) {
			return context.getAttribute(RETRY) != null;
		}
		context.setAttribute(DECIDED_AT, failure);
		Decision.Retry retry = this.execution.decide(this.attempt, last);
		context.setAttribute(RETRY, retry);
		return retry != null;
	}

	@Override
	public RetryContext open(RetryContext parent) {
		return new RetryContextSupport(parent);
	}

	@Override
	public void close(RetryContext context) {
	}

	@Override
	public void registerThrowable(RetryContext context, Throwable throwable) {
		((RetryContextSupport) context).registerThrowable(throwable);
	}

	@Override
	public BackOffContext start(RetryContext context) {
		return new Pause(context);
	}

	@Override
	public void backOff(BackOffContext backOffContext) throws BackOffInterruptedException {
		RetryContext context = ((Pause) backOffContext).context;
		try {
			if (!this.execution.prepareRetry(this.attempt, (Decision.Retry) context.getAttribute(RETRY))) {
				context.setAttribute(NO_CAPACITY, true);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new BackOffInterruptedException("Interrupted while waiting to retry", ex);
		}
	}

	private record Pause(RetryContext context) implements BackOffContext {
	}

}

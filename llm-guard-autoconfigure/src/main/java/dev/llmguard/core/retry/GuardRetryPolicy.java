package dev.llmguard.core.retry;

import java.time.Duration;

import org.springframework.retry.RetryContext;
import org.springframework.retry.RetryPolicy;
import org.springframework.retry.backoff.BackOffContext;
import org.springframework.retry.backoff.BackOffInterruptedException;
import org.springframework.retry.backoff.BackOffPolicy;
import org.springframework.retry.context.RetryContextSupport;

import dev.llmguard.core.Attempt;
import dev.llmguard.core.CallExecution;

/**
 * The spring-retry policies of model attempts: whether to retry comes from the call's classification
 * of the failure (retryable kind, attempts left, no other model to fail over to for a rate limit); the
 * pause is the exponential backoff or the provider's {@code Retry-After}, slept on the guard's clock,
 * after which one more request is taken from the request buckets.
 * <p>
 * One instance serves every call of an engine, in one shared {@code RetryTemplate}: the attempt a
 * template run is for is handed over with {@link #run(CallExecution, Attempt, Run)} and kept in that
 * run's retry context, so building a template (and its logger and classifier) is not a cost of
 * every call.
 */
public final class GuardRetryPolicy implements RetryPolicy, BackOffPolicy {

	/** Set on the retry context when no request capacity came for the next attempt. */
	public static final String NO_CAPACITY = "llm-guard.no-capacity";

	private static final String DELAY = "llm-guard.delay";

	private static final String CLASSIFICATION = "llm-guard.classification";

	/** The retry count whose failure {@link #DELAY} was decided for. */
	private static final String DECIDED_AT = "llm-guard.decided-at";

	/** The attempt a template run on this thread is about to open a context for. */
	private static final ThreadLocal<Target> opening = new ThreadLocal<>();

	/**
	 * Runs a template execution for one model attempt of a call.
	 * @param execution the call
	 * @param attempt the model attempt the retries are for
	 * @param run calls the shared template, on this thread
	 * @return what the run returned
	 * @throws Throwable what the run threw
	 */
	public <T> T run(CallExecution execution, Attempt attempt, Run<T> run) throws Throwable {
		Target previous = opening.get();
		opening.set(new Target(execution, attempt));
		try {
			return run.run();
		}
		finally {
			if (previous != null) {
				opening.set(previous);
			}
			else {
				opening.remove();
			}
		}
	}

	/**
	 * A template execution.
	 * @param <T> its result
	 */
	@FunctionalInterface
	public interface Run<T> {

		T run() throws Throwable;

	}

	@Override
	public boolean canRetry(RetryContext context) {
		Throwable last = context.getLastThrowable();
		if (last == null) {
			return true;
		}
		if (context.hasAttribute(NO_CAPACITY) || last instanceof InterruptedException) {
			return false;
		}
		// RetryTemplate asks again before the next attempt, after prepareRetry moved the attempt number
		// on: answer as decided for this failure, or the last attempt allowed would never run
		Integer failure = context.getRetryCount();
		if (failure.equals(context.getAttribute(DECIDED_AT))) {
			return context.getAttribute(DELAY) != null;
		}
		context.setAttribute(DECIDED_AT, failure);
		Target target = ((AttemptContext) context).target;
		ErrorClassification classification = target.execution().classify(last);
		Duration delay = target.execution().retryDelay(target.attempt(), classification);
		context.setAttribute(DELAY, delay);
		context.setAttribute(CLASSIFICATION, classification);
		return delay != null;
	}

	@Override
	public RetryContext open(RetryContext parent) {
		Target target = opening.get();
		if (target == null) {
			throw new IllegalStateException("llm-guard's retry policy runs only inside GuardRetryPolicy.run");
		}
		// a nested template run on this thread (a guarded call inside the operation) opens its own target
		opening.remove();
		return new AttemptContext(parent, target);
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
		Duration delay = (Duration) context.getAttribute(DELAY);
		ErrorClassification classification = (ErrorClassification) context.getAttribute(CLASSIFICATION);
		Target target = ((AttemptContext) context).target;
		try {
			if (!target.execution().prepareRetry(target.attempt(), delay, classification)) {
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

	private record Target(CallExecution execution, Attempt attempt) {
	}

	/** A retry context that knows which call and model attempt it retries. */
	private static final class AttemptContext extends RetryContextSupport {

		private final Target target;

		AttemptContext(RetryContext parent, Target target) {
			super(parent);
			this.target = target;
		}

	}

}

package dev.llmguard.core;

import java.util.HashMap;
import java.util.Map;

import org.springframework.retry.RetryCallback;
import org.springframework.retry.RetryContext;
import org.springframework.retry.RetryListener;
import org.springframework.retry.RetryPolicy;
import org.springframework.retry.backoff.BackOffContext;
import org.springframework.retry.backoff.BackOffInterruptedException;
import org.springframework.retry.backoff.BackOffPolicy;
import org.springframework.retry.support.RetryTemplate;

/**
 * spring-retry's part of a blocking call: the retry loop over one model's attempts. The policy asks the call whether to retry ({@link CallExecution#decide}); a listener announces
 * each retry ({@link CallExecution#retrying}); the back-off pauses on the guard's clock and takes the
 * capacity of the next try ({@link CallExecution#prepareRetry}). One template serves every call of an
 * engine: each call's state lives in its own retry context, kept in fields because most calls succeed
 * at once and every call passes through here.
 */
final class AttemptRetries implements RetryPolicy, BackOffPolicy, RetryListener {

	private final RetryTemplate template = new RetryTemplate();

	AttemptRetries() {
		this.template.setRetryPolicy(this);
		this.template.setBackOffPolicy(this);
		this.template.registerListener(this);
		this.template.setThrowLastExceptionOnExhausted(true);
	}

	/**
	 * Calls the attempt's model, and again as the call decides after each failure. Most calls succeed at
	 * once and never enter the template: after a first failure the call decides, announces and prepares
	 * the retry as every driver does, and the template's loop runs the retries from there.
	 * @throws Throwable the last failure once the call gives the model up
	 */
	<T> T call(GuardedCall execution, Attempt attempt, GuardedOperation<T> operation) throws Throwable {
		try {
			return callOnce(attempt, operation);
		}
		catch (Throwable failed) {
			Decision.Retry retry = retryAfter(execution, attempt, failed);
			if (retry == null) {
				throw failed;
			}
			execution.retrying(attempt, retry);
			if (!execution.prepareRetry(attempt, retry)) {
				throw failed;
			}
		}
		return this.template.execute((RetryCallback<T, Throwable>) context -> {
			AttemptContext tried = (AttemptContext) context;
			if (tried.execution == null) {
				tried.execution = execution;
				tried.attempt = attempt;
			}
			return callOnce(attempt, operation);
		});
	}

	private static <T> T callOnce(Attempt attempt, GuardedOperation<T> operation) throws Throwable {
		try (LlmGuardContext.Scope scope = LlmGuardContext.open(attempt.context())) {
			return operation.call(attempt.context());
		}
	}

	/**
	 * What the call decided after a failure of the attempt; {@code null} for an interrupt, or when
	 * model requests made inside the call took the attempt (closed) and were retried on their own.
	 */
	private static Decision.Retry retryAfter(GuardedCall execution, Attempt attempt, Throwable failure) {
		return (failure instanceof InterruptedException || attempt.isClosed()) ? null
				: execution.decide(attempt, failure);
	}

	@Override
	public RetryContext open(RetryContext parent) {
		return new AttemptContext(parent);
	}

	@Override
	public void registerThrowable(RetryContext context, Throwable throwable) {
		AttemptContext tried = (AttemptContext) context;
		tried.count++;
		tried.lastThrowable = throwable;
		tried.retry = retryAfter(tried.execution, tried.attempt, throwable);
	}

	@Override
	public boolean canRetry(RetryContext context) {
		AttemptContext tried = (AttemptContext) context;
		return tried.lastThrowable == null || (tried.retry != null && !tried.noCapacity);
	}

	@Override
	public void close(RetryContext context) {
	}

	@Override
	public <T, E extends Throwable> void onError(RetryContext context, RetryCallback<T, E> callback,
			Throwable throwable) {
		AttemptContext tried = (AttemptContext) context;
		if (tried.retry != null) {
			tried.execution.retrying(tried.attempt, tried.retry);
		}
	}

	@Override
	public BackOffContext start(RetryContext context) {
		return (AttemptContext) context;
	}

	@Override
	public void backOff(BackOffContext backOffContext) throws BackOffInterruptedException {
		AttemptContext tried = (AttemptContext) backOffContext;
		try {
			tried.noCapacity = !tried.execution.prepareRetry(tried.attempt, tried.retry);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new BackOffInterruptedException("Interrupted while waiting to retry", ex);
		}
	}

	/**
	 * The retry context of one attempt, and its back-off context. The attributes spring-retry sets on
	 * every execution (max attempts, the back-off context, closed) are kept in fields; others, should a
	 * listener add some, in a map made when the first arrives.
	 */
	private static final class AttemptContext implements RetryContext, BackOffContext {

		private final RetryContext parent;

		GuardedCall execution;

		Attempt attempt;

		/** What the call decided after the last failure; {@code null} when it is not retried. */
		Decision.Retry retry;

		/** No capacity came for the next try: the loop ends. */
		boolean noCapacity;

		int count;

		Throwable lastThrowable;

		private boolean exhaustedOnly;

		private Object maxAttempts;

		private boolean closed;

		private Map<String, Object> others;

		AttemptContext(RetryContext parent) {
			this.parent = parent;
		}

		@Override
		public void setExhaustedOnly() {
			this.exhaustedOnly = true;
		}

		@Override
		public boolean isExhaustedOnly() {
			return this.exhaustedOnly;
		}

		@Override
		public RetryContext getParent() {
			return this.parent;
		}

		@Override
		public int getRetryCount() {
			return this.count;
		}

		@Override
		public Throwable getLastThrowable() {
			return this.lastThrowable;
		}

		@Override
		public void setAttribute(String name, Object value) {
			if (value == null) {
				removeAttribute(name);
				return;
			}
			switch (name) {
				case MAX_ATTEMPTS -> this.maxAttempts = value;
				case CLOSED -> this.closed = Boolean.TRUE.equals(value);
				case BACK_OFF_CONTEXT -> {
					// this context is its own back-off context
				}
				default -> {
					if (this.others == null) {
						this.others = new HashMap<>();
					}
					this.others.put(name, value);
				}
			}
		}

		@Override
		public Object getAttribute(String name) {
			return switch (name) {
				case MAX_ATTEMPTS -> this.maxAttempts;
				case CLOSED -> this.closed ? Boolean.TRUE : null;
				case BACK_OFF_CONTEXT -> this;
				default -> (this.others != null) ? this.others.get(name) : null;
			};
		}

		@Override
		public Object removeAttribute(String name) {
			Object previous = getAttribute(name);
			switch (name) {
				case MAX_ATTEMPTS -> this.maxAttempts = null;
				case CLOSED -> this.closed = false;
				case BACK_OFF_CONTEXT -> {
				}
				default -> {
					if (this.others != null) {
						this.others.remove(name);
					}
				}
			}
			return previous;
		}

		@Override
		public boolean hasAttribute(String name) {
			return getAttribute(name) != null;
		}

		@Override
		public String[] attributeNames() {
			Map<String, Object> all = new HashMap<>();
			if (this.others != null) {
				all.putAll(this.others);
			}
			for (String name : new String[] { MAX_ATTEMPTS, CLOSED, BACK_OFF_CONTEXT }) {
				if (getAttribute(name) != null) {
					all.put(name, getAttribute(name));
				}
			}
			return all.keySet().toArray(new String[0]);
		}

		/** The attribute under which spring-retry keeps the back-off context. */
		private static final String BACK_OFF_CONTEXT = "backOffContext";

	}

}

package dev.llmguard.core.retry;

/** What a failed provider call means for retrying and failing over. */
public enum FailureKind {

	/** 429 without quota exhaustion: retryable; the model cools down; fail over at once when a model follows. */
	RATE_LIMITED(true),
	/** 529 or an overloaded error: retryable; the model cools down; fail over at once when a model follows. */
	OVERLOADED(true),
	/** 500, 502, 503, 504 or a connection error: retryable with backoff. */
	TRANSIENT(true),
	/**
	 * 429 that says explicitly a quota or spend limit is spent (a code such as {@code insufficient_quota},
	 * a daily quota, a quota of 0): not retryable, the next model may still work.
	 */
	QUOTA_EXHAUSTED(false),
	/** 400 context length exceeded: not retryable on this model, the next model may fit. */
	CONTEXT_LENGTH(false),
	/** Anything else (400, 401, 403, 404, application errors): not retried, no failover. */
	NON_RETRYABLE(false);

	private final boolean retryable;

	FailureKind(boolean retryable) {
		this.retryable = retryable;
	}

	public boolean isRetryable() {
		return this.retryable;
	}

	/** Whether the next model of a chain may be tried after this failure. */
	public boolean allowsFailover() {
		return this != NON_RETRYABLE;
	}

	/** The tag used in metrics and events. */
	public String tag() {
		return name().toLowerCase(java.util.Locale.ROOT);
	}

}

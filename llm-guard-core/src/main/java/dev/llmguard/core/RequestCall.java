package dev.llmguard.core;

import dev.llmguard.core.model.Usage;

/**
 * One model request made inside the call of an annotated method or facade operation, driven like a
 * call of its own. The first request runs on the attempt the enclosing call was admitted with; later
 * ones (the rounds of a tool-calling conversation) are admitted on their own, from the model the last
 * request used. The enclosing call learns which model answered, and when every model failed.
 */
final class RequestCall implements GuardedCall {

	private final CallExecution enclosing;

	private final CallExecution execution;

	/** The enclosing call's admitted attempt, handed to this first request; used once. */
	private Attempt handed;

	/** This request's key in the enclosing chain's cache of last answers, or {@code null}. */
	private final String cacheKey;

	RequestCall(CallExecution enclosing, CallExecution execution, Attempt handed, String cacheKey) {
		this.enclosing = enclosing;
		this.execution = execution;
		this.handed = handed;
		this.cacheKey = cacheKey;
	}

	@Override
	public long inputEstimate() {
		return this.execution.inputEstimate();
	}

	@Override
	public ObservedCall observed() {
		return this.execution.observed();
	}

	@Override
	public Attempt admit() throws InterruptedException {
		Attempt attempt = this.handed;
		this.handed = null;
		return (attempt != null) ? attempt : this.execution.admit();
	}

	@Override
	public boolean madeRequests() {
		return false; // a request is itself a model request: it is retried, never its caller's code
	}

	@Override
	public <T> T afterRequestsFailed(Throwable error, FallbackResponseMapper<T> mapper) throws Throwable {
		throw error;
	}

	@Override
	public void succeeded(Attempt attempt, Object result) {
		this.execution.succeeded(attempt, result, this.cacheKey);
		this.enclosing.requestAnswered(attempt.model());
	}

	@Override
	public void settle(Attempt attempt, Usage usage, boolean estimated) {
		this.execution.settle(attempt, usage, estimated);
		this.enclosing.requestAnswered(attempt.model());
	}

	@Override
	public void settleStream(Attempt attempt, Usage reported, CharSequence text, boolean streamed) {
		this.execution.settleStream(attempt, reported, text, streamed);
		this.enclosing.requestAnswered(attempt.model());
	}

	@Override
	public void charge(Attempt attempt, String reason) {
		this.execution.charge(attempt, reason);
	}

	@Override
	public Decision.Retry decide(Attempt attempt, Throwable error) {
		return this.execution.decide(attempt, error);
	}

	@Override
	public Decision giveUp(Attempt attempt, Throwable error) {
		return this.execution.giveUp(attempt, error);
	}

	@Override
	public void retrying(Attempt attempt, Decision.Retry retry) {
		this.execution.retrying(attempt, retry);
	}

	@Override
	public boolean prepareRetry(Attempt attempt, Decision.Retry retry) throws InterruptedException {
		return this.execution.prepareRetry(attempt, retry);
	}

	@Override
	public Decision afterFailure(Attempt attempt, Throwable error) throws InterruptedException {
		return this.execution.afterFailure(attempt, error);
	}

	@Override
	public void cancelled(Attempt attempt, boolean sent) {
		this.execution.cancelled(attempt, sent);
	}

	@Override
	public void release(Attempt attempt) {
		this.execution.release(attempt);
	}

	/**
	 * Every model failed this request: the chain's cached last answer for the request answers it (the
	 * enclosing call's context then says so); else the enclosing call answers with its own fallback.
	 */
	@Override
	public <T> T exhausted(FallbackResponseMapper<T> mapper) throws Throwable {
		T cached = this.execution.answerFromCache(mapper, this.cacheKey);
		if (cached != null) {
			this.enclosing.answeredFromCache();
			return cached;
		}
		try {
			return this.execution.exhausted(FallbackResponseMapper.none());
		}
		catch (Throwable ex) {
			this.enclosing.requestsExhausted();
			throw ex;
		}
	}

}

package dev.llmguard.core;

import java.util.concurrent.CancellationException;

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

	/** The attempt this request admitted last. */
	private volatile Attempt current;

	/** The caller of a request run on the enclosing call's attempt left (the enclosing call goes on). */
	private volatile boolean cancelled;

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
		if (this.cancelled) {
			throw new CancellationException("the guarded model request was cancelled");
		}
		Attempt attempt = this.handed;
		this.handed = null;
		this.current = (attempt != null) ? attempt : this.execution.admit();
		return this.current;
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
	public void streamEnded(Attempt attempt, boolean single) {
		this.execution.streamEnded(attempt, single);
		this.enclosing.requestAnswered(attempt.model());
	}

	@Override
	public void sending(Attempt attempt) {
		this.execution.sending(attempt);
	}

	@Override
	public void returned(Attempt attempt) {
		this.execution.returned(attempt);
	}

	@Override
	public void streamed(Attempt attempt, CharSequence text, Usage usage, Object element) {
		this.execution.streamed(attempt, text, usage, element);
	}

	/**
	 * A request with its own admissions is cancelled as a call; one run on the enclosing call's attempt
	 * has only its try accounted for, and the enclosing call goes on.
	 */
	@Override
	public void cancel() {
		if (this.execution != this.enclosing) {
			this.execution.cancel();
			return;
		}
		this.cancelled = true;
		Attempt attempt = this.current;
		if (attempt != null) {
			this.execution.cancelTry(attempt);
		}
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
		if (this.cancelled) {
			return this.execution.leftAfter(attempt, error);
		}
		Decision next = this.execution.afterFailure(attempt, error);
		if (attempt.isSettled()) {
			this.enclosing.requestAnswered(attempt.model()); // it streamed part of an answer
		}
		return next;
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

package dev.llmguard.test.simulator;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * The simulator's own one-minute sliding windows for requests and tokens: a request is admitted when
 * the admissions of the last 60 seconds plus this one stay within both limits. One log of
 * admissions (time, tokens) serves both windows, so an admission is all or nothing; it holds at most
 * as many entries as requests were admitted in the last minute.
 */
final class RateWindows {

	static final long WINDOW_MILLIS = 60_000;

	private final ArrayDeque<long[]> admissions = new ArrayDeque<>();

	private long tokensInWindow;

	/**
	 * Admits a request when both windows have room, and records it.
	 * @param tokens the tokens the request is charged
	 * @param requestLimit requests per minute, {@code 0} for unlimited
	 * @param tokenLimit tokens per minute, {@code 0} for unlimited
	 * @param now the current time in epoch milliseconds
	 * @return the decision, with the windows as they are after it
	 */
	synchronized Decision tryAdmit(long tokens, long requestLimit, long tokenLimit, long now) {
		expire(now);
		if (requestLimit > 0 && this.admissions.size() >= requestLimit) {
			long toFree = this.admissions.size() - requestLimit + 1;
			return new Decision(Outcome.REQUESTS_EXCEEDED, waitUntilFreed(toFree, Long.MAX_VALUE, now),
					this.admissions.size(), 1, snapshot(requestLimit, tokenLimit, now));
		}
		if (tokenLimit > 0 && tokens > tokenLimit) {
			return new Decision(Outcome.REQUEST_TOO_LARGE, Duration.ofMillis(WINDOW_MILLIS), this.tokensInWindow,
					tokens, snapshot(requestLimit, tokenLimit, now));
		}
		if (tokenLimit > 0 && this.tokensInWindow + tokens > tokenLimit) {
			long tokensToFree = this.tokensInWindow + tokens - tokenLimit;
			return new Decision(Outcome.TOKENS_EXCEEDED, waitUntilFreed(Long.MAX_VALUE, tokensToFree, now),
					this.tokensInWindow, tokens, snapshot(requestLimit, tokenLimit, now));
		}
		this.admissions.addLast(new long[] { now, tokens });
		this.tokensInWindow += tokens;
		return new Decision(Outcome.ADMITTED, Duration.ZERO, 0, tokens, snapshot(requestLimit, tokenLimit, now));
	}

	/**
	 * The windows as they are now, without admitting anything.
	 * @param requestLimit requests per minute, {@code 0} for unlimited
	 * @param tokenLimit tokens per minute, {@code 0} for unlimited
	 * @param now the current time in epoch milliseconds
	 * @return the windows
	 */
	synchronized Snapshot snapshot(long requestLimit, long tokenLimit, long now) {
		expire(now);
		Duration untilFull = this.admissions.isEmpty() ? Duration.ZERO
				: Duration.ofMillis(Math.max(0, this.admissions.peekLast()[0] + WINDOW_MILLIS - now));
		return new Snapshot(requestLimit, Math.max(0, requestLimit - this.admissions.size()), untilFull, tokenLimit,
				Math.max(0, tokenLimit - this.tokensInWindow), untilFull);
	}

	/** Forgets every admission. */
	synchronized void clear() {
		this.admissions.clear();
		this.tokensInWindow = 0;
	}

	private void expire(long now) {
		while (!this.admissions.isEmpty() && this.admissions.peekFirst()[0] + WINDOW_MILLIS <= now) {
			this.tokensInWindow -= this.admissions.removeFirst()[1];
		}
	}

	// time until the oldest admissions that free enough requests or tokens have left the window
	private Duration waitUntilFreed(long requestsToFree, long tokensToFree, long now) {
		long freedRequests = 0;
		long freedTokens = 0;
		Iterator<long[]> oldestFirst = this.admissions.iterator();
		while (oldestFirst.hasNext()) {
			long[] admission = oldestFirst.next();
			freedRequests++;
			freedTokens += admission[1];
			if (freedRequests >= requestsToFree || freedTokens >= tokensToFree) {
				return Duration.ofMillis(Math.max(1, admission[0] + WINDOW_MILLIS - now));
			}
		}
		return Duration.ofMillis(WINDOW_MILLIS);
	}

	/** What became of a request. */
	enum Outcome {

		/** Both windows had room. */
		ADMITTED,

		/** The requests window is full. */
		REQUESTS_EXCEEDED,

		/** The tokens window has too little room left. */
		TOKENS_EXCEEDED,

		/** The request alone needs more tokens than a whole window holds. */
		REQUEST_TOO_LARGE

	}

	/**
	 * A decision on one request.
	 * @param outcome what became of it
	 * @param retryAfter how long until it would fit (zero when admitted)
	 * @param used requests or tokens already in the exceeded window
	 * @param requested requests or tokens the request asked for
	 * @param windows the windows after the decision
	 */
	record Decision(Outcome outcome, Duration retryAfter, long used, long requested, Snapshot windows) {

		boolean admitted() {
			return this.outcome == Outcome.ADMITTED;
		}

	}

	/**
	 * The state of both windows; a limit of {@code 0} means that window is unlimited.
	 * @param requestLimit requests per minute
	 * @param remainingRequests requests left in the window
	 * @param requestsReset time until the requests window is empty again
	 * @param tokenLimit tokens per minute
	 * @param remainingTokens tokens left in the window
	 * @param tokensReset time until the tokens window is empty again
	 */
	record Snapshot(long requestLimit, long remainingRequests, Duration requestsReset, long tokenLimit,
			long remainingTokens, Duration tokensReset) {

	}

}

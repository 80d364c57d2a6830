package dev.llmguard.test.simulator;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * The simulator's own per-minute limits for requests and tokens, counted one of two ways
 * ({@link RateLimiting}):
 * <ul>
 * <li>token buckets, one per limit, holding at most the limit and refilled continuously at the limit per
 * minute, as the providers describe theirs. Levels are kept in 1/60,000ths so that a millisecond adds a
 * whole number of them: exact, without floating point;</li>
 * <li>one-minute sliding windows: a request is admitted when the admissions of the last 60 seconds plus
 * this one stay within both limits. One log of admissions (time, tokens) serves both windows; it holds
 * at most as many entries as requests were admitted in the last minute.</li>
 * </ul>
 * Either way an admission is all or nothing over both limits.
 */
final class RateWindows {

	static final long WINDOW_MILLIS = 60_000;

	private final ArrayDeque<long[]> admissions = new ArrayDeque<>();

	private long tokensInWindow;

	private final Bucket requestBucket = new Bucket();

	private final Bucket tokenBucket = new Bucket();

	/** Another service on the same key, or {@code null}. */
	private Neighbour neighbour;

	/** When the neighbour started, and when its sliding-window share was last drawn (epoch ms). */
	private long neighbourStart;

	private long neighbourDrawnAt;

	/** What the neighbour owes the sliding windows below one whole request or token. */
	private double neighbourRequests;

	private double neighbourTokens;

	/**
	 * Lets a neighbour draw from the limits from now on; {@code null} removes it.
	 * @param neighbour the neighbour
	 * @param now the current time in epoch milliseconds
	 */
	synchronized void neighbour(Neighbour neighbour, long now) {
		this.neighbour = neighbour;
		this.neighbourStart = now;
		this.neighbourDrawnAt = now;
		this.neighbourRequests = 0;
		this.neighbourTokens = 0;
	}

	private double neighbourShare(long now) {
		Neighbour neighbour = this.neighbour;
		return (neighbour != null) ? neighbour.shareAt(Duration.ofMillis(Math.max(0, now - this.neighbourStart))) : 0;
	}

	/** The neighbour's share of the sliding windows since it last drew, as admissions at {@code now}. */
	private void neighbourDrawsFromWindows(long requestLimit, long tokenLimit, long now) {
		if (this.neighbour == null || now <= this.neighbourDrawnAt) {
			return;
		}
		double share = neighbourShare(now);
		double minutes = (now - this.neighbourDrawnAt) / (double) WINDOW_MILLIS;
		this.neighbourDrawnAt = now;
		this.neighbourRequests += share * requestLimit * minutes;
		this.neighbourTokens += share * tokenLimit * minutes;
		long requests = (long) this.neighbourRequests;
		long tokens = (long) this.neighbourTokens;
		this.neighbourRequests -= requests;
		this.neighbourTokens -= tokens;
		for (long i = 0; i < requests; i++) {
			long drawn = (i == 0) ? tokens : 0;
			this.admissions.addLast(new long[] { now, drawn });
			this.tokensInWindow += drawn;
		}
		if (requests == 0 && tokens > 0 && !this.admissions.isEmpty()) {
			// tokens without a whole request ride on the latest admission, so the request count stays true
			this.admissions.peekLast()[1] += tokens;
			this.tokensInWindow += tokens;
		}
		else if (requests == 0) {
			this.neighbourTokens += tokens;
		}
	}

	/**
	 * Admits a request when both limits have room, and records it.
	 * @param tokens the tokens the request is charged
	 * @param requestLimit requests per minute, {@code 0} for unlimited
	 * @param tokenLimit tokens per minute, {@code 0} for unlimited
	 * @param now the current time in epoch milliseconds
	 * @param rateLimiting how the limits are counted
	 * @return the decision, with the limits as they are after it
	 */
	synchronized Decision tryAdmit(long tokens, long requestLimit, long tokenLimit, long now,
			RateLimiting rateLimiting) {
		if (rateLimiting == RateLimiting.TOKEN_BUCKET) {
			return tryAdmitBuckets(tokens, requestLimit, tokenLimit, now);
		}
		expire(now);
		neighbourDrawsFromWindows(requestLimit, tokenLimit, now);
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

	private Decision tryAdmitBuckets(long tokens, long requestLimit, long tokenLimit, long now) {
		refillBuckets(requestLimit, tokenLimit, now);
		if (requestLimit > 0 && !this.requestBucket.holds(1)) {
			return new Decision(Outcome.REQUESTS_EXCEEDED, this.requestBucket.untilHolds(1, requestLimit),
					requestLimit - this.requestBucket.whole(), 1, bucketSnapshot(requestLimit, tokenLimit));
		}
		if (tokenLimit > 0 && tokens > tokenLimit) {
			return new Decision(Outcome.REQUEST_TOO_LARGE, Duration.ofMillis(WINDOW_MILLIS),
					tokenLimit - this.tokenBucket.whole(), tokens, bucketSnapshot(requestLimit, tokenLimit));
		}
		if (tokenLimit > 0 && !this.tokenBucket.holds(tokens)) {
			return new Decision(Outcome.TOKENS_EXCEEDED, this.tokenBucket.untilHolds(tokens, tokenLimit),
					tokenLimit - this.tokenBucket.whole(), tokens, bucketSnapshot(requestLimit, tokenLimit));
		}
		if (requestLimit > 0) {
			this.requestBucket.take(1);
		}
		if (tokenLimit > 0) {
			this.tokenBucket.take(tokens);
		}
		return new Decision(Outcome.ADMITTED, Duration.ZERO, 0, tokens, bucketSnapshot(requestLimit, tokenLimit));
	}

	private Snapshot bucketSnapshot(long requestLimit, long tokenLimit) {
		return new Snapshot(requestLimit, (requestLimit > 0) ? this.requestBucket.whole() : 0,
				(requestLimit > 0) ? this.requestBucket.untilFull(requestLimit) : Duration.ZERO, tokenLimit,
				(tokenLimit > 0) ? this.tokenBucket.whole() : 0,
				(tokenLimit > 0) ? this.tokenBucket.untilFull(tokenLimit) : Duration.ZERO);
	}

	/**
	 * The limits as they are now, without admitting anything.
	 * @param requestLimit requests per minute, {@code 0} for unlimited
	 * @param tokenLimit tokens per minute, {@code 0} for unlimited
	 * @param now the current time in epoch milliseconds
	 * @param rateLimiting how the limits are counted
	 * @return the limits
	 */
	synchronized Snapshot snapshot(long requestLimit, long tokenLimit, long now, RateLimiting rateLimiting) {
		if (rateLimiting == RateLimiting.TOKEN_BUCKET) {
			refillBuckets(requestLimit, tokenLimit, now);
			return bucketSnapshot(requestLimit, tokenLimit);
		}
		neighbourDrawsFromWindows(requestLimit, tokenLimit, now);
		return snapshot(requestLimit, tokenLimit, now);
	}

	private Snapshot snapshot(long requestLimit, long tokenLimit, long now) {
		expire(now);
		Duration untilFull = this.admissions.isEmpty() ? Duration.ZERO
				: Duration.ofMillis(Math.max(0, this.admissions.peekLast()[0] + WINDOW_MILLIS - now));
		return new Snapshot(requestLimit, Math.max(0, requestLimit - this.admissions.size()), untilFull, tokenLimit,
				Math.max(0, tokenLimit - this.tokensInWindow), untilFull);
	}

	/**
	 * Takes requests and tokens out of the limits as a neighbour would, another service drawing from the
	 * same key: counted whether or not there is room, so the next answers report less remaining.
	 * @param requests requests drawn
	 * @param tokens tokens drawn
	 * @param requestLimit requests per minute, {@code 0} for unlimited
	 * @param tokenLimit tokens per minute, {@code 0} for unlimited
	 * @param now the current time in epoch milliseconds
	 * @param rateLimiting how the limits are counted
	 */
	synchronized void draw(long requests, long tokens, long requestLimit, long tokenLimit, long now,
			RateLimiting rateLimiting) {
		if (rateLimiting == RateLimiting.TOKEN_BUCKET) {
			refillBuckets(requestLimit, tokenLimit, now);
			if (requestLimit > 0) {
				this.requestBucket.take(requests);
			}
			if (tokenLimit > 0) {
				this.tokenBucket.take(tokens);
			}
			return;
		}
		expire(now);
		neighbourDrawsFromWindows(requestLimit, tokenLimit, now);
		for (long i = 0; i < Math.max(1, requests); i++) {
			long drawn = (i == 0) ? tokens : 0;
			this.admissions.addLast(new long[] { now, drawn });
			this.tokensInWindow += drawn;
		}
	}

	/** Refills both buckets, less what a neighbour drew meanwhile. */
	private void refillBuckets(long requestLimit, long tokenLimit, long now) {
		double share = neighbourShare(now);
		this.requestBucket.refill(requestLimit, now, share);
		this.tokenBucket.refill(tokenLimit, now, share);
	}

	/** Forgets every admission: windows empty, buckets full. */
	synchronized void clear() {
		this.admissions.clear();
		this.tokensInWindow = 0;
		this.requestBucket.reset();
		this.tokenBucket.reset();
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

	/**
	 * One limit's bucket: its level in 1/60,000ths of a unit, so that at L per minute every millisecond
	 * adds exactly L. Full on first use; a changed limit keeps what was used, so a lowered one may leave the
	 * level below zero until it refills.
	 */
	private static final class Bucket {

		private boolean started;

		private long level;

		private long limit;

		private long refilledAt;

		/**
		 * Adds what refill brought since the last time; a neighbour drawing {@code share} of the limit
		 * continuously leaves {@code 1 - share} of the refill while the bucket is not full.
		 */
		void refill(long limit, long now, double share) {
			if (limit <= 0) {
				return;
			}
			long capacity = capacity(limit);
			if (!this.started) {
				this.started = true;
				this.level = capacity;
				this.limit = limit;
				this.refilledAt = now;
				return;
			}
			if (limit != this.limit) {
				// a changed limit keeps what was used: the level moves by the change of capacity
				this.level += capacity - capacity(this.limit);
				this.limit = limit;
			}
			if (now > this.refilledAt) {
				long elapsed = now - this.refilledAt;
				long room = capacity - this.level;
				if (share <= 0) {
					// compared by division: elapsed * limit could overflow after a long pause
					this.level = (elapsed > room / limit) ? capacity : this.level + elapsed * limit;
				}
				else {
					double added = (double) elapsed * limit * (1 - share);
					this.level = (added >= room) ? capacity : this.level + (long) added;
				}
			}
			this.level = Math.min(this.level, capacity);
			this.refilledAt = Math.max(this.refilledAt, now);
		}

		boolean holds(long amount) {
			return this.level >= amount * WINDOW_MILLIS;
		}

		void take(long amount) {
			this.level -= amount * WINDOW_MILLIS;
		}

		/** Whole units available now. */
		long whole() {
			return Math.max(0, this.level) / WINDOW_MILLIS;
		}

		Duration untilHolds(long amount, long limit) {
			long missing = amount * WINDOW_MILLIS - this.level;
			return Duration.ofMillis(Math.max(1, ceilDiv(missing, limit)));
		}

		Duration untilFull(long limit) {
			return Duration.ofMillis(ceilDiv(capacity(limit) - this.level, limit));
		}

		void reset() {
			this.started = false;
		}

		private static long capacity(long limit) {
			return limit * WINDOW_MILLIS;
		}

		private static long ceilDiv(long a, long b) {
			return -Math.floorDiv(-a, b);
		}

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

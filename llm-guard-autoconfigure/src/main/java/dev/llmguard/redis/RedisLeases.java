package dev.llmguard.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.llmguard.core.time.GuardClock;

/**
 * What this instance holds in Redis under a lease (budget reservations, concurrency slots), renewed
 * while it is held: every quarter lease, one script extends every lease that is half gone, on the
 * Lettuce client's event executors. An instance that dies renews nothing, so what it held comes back
 * within one lease. A lease held longer than {@link RedisBudgetLedger#LONGEST_CALL} is taken for lost
 * and left to run out.
 *
 * @param <L> what is kept per lease
 */
final class RedisLeases<L extends RedisLeases.Lease<L>> {

	private static final Logger logger = LoggerFactory.getLogger(RedisLeases.class);

	private final RedisGuardBackend backend;

	private final GuardClock clock;

	private final String what;

	private final Supplier<Duration> lease;

	private final Renewal renewal;

	/** By id; bounded by the calls in flight. */
	private final ConcurrentHashMap<String, L> held = new ConcurrentHashMap<>();

	/** Whether the periodic renewal is scheduled. */
	private final AtomicBoolean renewing = new AtomicBoolean();

	/**
	 * @param backend where the renewal is scheduled and sent
	 * @param clock the clock leases are read on (Redis's)
	 * @param what what is leased, for logs
	 * @param lease the length of a lease
	 * @param renewal the script that extends leases
	 */
	RedisLeases(RedisGuardBackend backend, GuardClock clock, String what, Supplier<Duration> lease, Renewal renewal) {
		this.backend = Objects.requireNonNull(backend, "backend");
		this.clock = Objects.requireNonNull(clock, "clock");
		this.what = Objects.requireNonNull(what, "what");
		this.lease = Objects.requireNonNull(lease, "lease");
		this.renewal = Objects.requireNonNull(renewal, "renewal");
	}

	/** Keeps a lease renewed until it is {@link #remove removed}; schedules the renewal on first use. */
	void hold(String id, L lease) {
		this.held.put(id, lease);
		if (!this.renewing.get() && this.renewing.compareAndSet(false, true)) {
			if (!this.backend.every(this.lease.get().dividedBy(4), this::renew)) {
				this.renewing.set(false);
			}
		}
	}

	/**
	 * Stops renewing a lease.
	 * @return what was kept for it, or {@code null} when it was not held (any more)
	 */
	L remove(String id) {
		return this.held.remove(id);
	}

	/** How many leases are held. */
	int size() {
		return this.held.size();
	}

	/**
	 * Extends, with one script, every lease whose half is gone; forgets those that ended in Redis
	 * meanwhile and those older than {@link RedisBudgetLedger#LONGEST_CALL}. Never blocks and never
	 * fails: a renewal that does not reach Redis is tried again at the next run.
	 * @return completes when Redis has answered (for tests)
	 */
	CompletableFuture<Void> renew() {
		if (this.held.isEmpty() || !this.backend.isUp()) {
			return CompletableFuture.completedFuture(null);
		}
		long nowMs = this.clock.instant().toEpochMilli();
		long leaseMs = this.lease.get().toMillis();
		long deadlineMs = nowMs + leaseMs;
		List<String> due = new ArrayList<>();
		this.held.forEach((id, lease) -> {
			if (nowMs - lease.heldSinceMs() >= RedisBudgetLedger.LONGEST_CALL.toMillis()) {
				this.held.remove(id, lease);
			}
			else if (lease.deadlineMs() - nowMs <= leaseMs / 2) {
				due.add(id);
			}
		});
		if (due.isEmpty()) {
			return CompletableFuture.completedFuture(null);
		}
		try {
			return this.renewal.renew(deadlineMs, due).thenAccept((gone) -> {
				for (String id : due) {
					this.held.computeIfPresent(id, (key, lease) -> lease.until(deadlineMs));
				}
				for (Object id : gone) {
					String lost = RedisKeys.text(id);
					if (this.held.remove(lost) != null) {
						logger.debug("{} {} ended in Redis before it was renewed; its call runs on", this.what, lost);
					}
				}
			}).exceptionally((ex) -> {
				logger.debug("Renewing {} {} leases failed; trying again at the next run", due.size(), this.what, ex);
				return null;
			}).toCompletableFuture();
		}
		catch (RuntimeException ex) {
			logger.debug("Renewing {} {} leases failed; trying again at the next run", due.size(), this.what, ex);
			return CompletableFuture.completedFuture(null);
		}
	}

	/**
	 * What is kept per lease.
	 *
	 * @param <L> the lease type itself
	 */
	interface Lease<L> {

		/** When it was first taken, epoch milliseconds on Redis's clock. */
		long heldSinceMs();

		/** When it ends unless renewed, as last written. */
		long deadlineMs();

		/** The same lease, renewed until {@code deadlineMs}. */
		L until(long deadlineMs);

	}

	/** Sends the script that extends the given leases. */
	@FunctionalInterface
	interface Renewal {

		/**
		 * @param deadlineMs the new end of every lease
		 * @param ids the leases to extend
		 * @return the ids among them that were no longer held in Redis
		 */
		CompletionStage<List<Object>> renew(long deadlineMs, List<String> ids);

	}

}

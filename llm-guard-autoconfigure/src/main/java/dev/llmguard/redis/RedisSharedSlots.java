package dev.llmguard.redis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.llmguard.core.limit.SharedSlots;
import dev.llmguard.core.time.GuardClock;

/**
 * One provider's {@code max-concurrent} slots shared by every instance through Redis (see
 * {@link SlotScripts}): taking and renewing are each one script, freeing one ZREM that the caller
 * does not wait for.
 * <p>
 * A slot is a lease of {@link RedisGuardOptions#concurrencyLease()}, on Redis's clock. The instance
 * holding it renews it while its call runs, like budget reservations: every quarter lease, one script
 * extends every lease of this instance that is half gone, on the Lettuce client's event executors. An
 * instance that dies renews nothing, and its slots come back within one lease. A call still running
 * after {@link RedisBudgetLedger#LONGEST_CALL} is taken for lost and its lease left to run out.
 * <p>
 * While Redis fails: fail-open takes the slot in this JVM only (the cap then holds per instance);
 * fail-closed throws {@link GuardBackendUnavailableException}. Freeing never throws; a slot it could
 * not free comes back when its lease ends.
 */
final class RedisSharedSlots implements SharedSlots {

	private static final Logger logger = LoggerFactory.getLogger(RedisSharedSlots.class);

	/** Slots admitted without Redis carry this id prefix; freeing them needs no Redis. */
	static final String LOCAL = "local-";

	/** How long a call refused a slot waits before asking Redis again. */
	static final Duration POLL = Duration.ofMillis(20);

	private final RedisGuardBackend backend;

	private final byte[] key;

	private final GuardClock clock;

	/** This instance's slots by id, with when each was taken and when its lease ends; bounded by its calls in flight. */
	private final ConcurrentHashMap<String, Lease> leases = new ConcurrentHashMap<>();

	private final AtomicBoolean renewing = new AtomicBoolean();

	RedisSharedSlots(RedisGuardBackend backend, String limitKey) {
		this.backend = Objects.requireNonNull(backend, "backend");
		this.key = RedisKeys.bytes(backend.keys().slots(limitKey));
		this.clock = backend.time();
	}

	@Override
	public String tryTake(int limit) {
		String id = this.backend.newId();
		long nowMs = this.clock.instant().toEpochMilli();
		long deadlineMs = nowMs + lease().toMillis();
		byte[][] keys = { this.key };
		byte[][] args = { number(nowMs), number(deadlineMs), number(limit), bytes(id), number(keyTtl().toMillis()) };
		String taken = this.backend.call("concurrency slot",
				() -> this.backend.eval(SlotScripts.TAKE, keys, args)
					.thenApply((reply) -> Long.valueOf(1).equals(reply.get(0)) ? id : null),
				() -> LOCAL + id);
		if (taken != null && taken.equals(id)) {
			hold(id, new Lease(nowMs, deadlineMs));
		}
		return taken;
	}

	@Override
	public void release(String slot) {
		if (slot.startsWith(LOCAL)) {
			return;
		}
		this.leases.remove(slot);
		// one ZREM, not awaited: the next take on this connection runs after it; a slot not freed
		// (Redis failed) comes back when its lease ends
		byte[] member = bytes(slot);
		this.backend.send("concurrency slot release", () -> this.backend.commands().zrem(this.key, member));
	}

	@Override
	public int inUse() {
		byte[][] keys = { this.key };
		byte[][] args = { number(this.clock.instant().toEpochMilli()) };
		Long held = this.backend.callOrElse("concurrency read",
				() -> this.backend.eval(SlotScripts.COUNT, keys, args).thenApply((reply) -> (Long) reply.get(0)),
				() -> null);
		return (held != null) ? held.intValue() : -1;
	}

	@Override
	public long pollNanos() {
		return POLL.toNanos();
	}

	/** Slots of this instance not freed yet (for tests). */
	int held() {
		return this.leases.size();
	}

	private void hold(String id, Lease lease) {
		this.leases.put(id, lease);
		if (!this.renewing.get() && this.renewing.compareAndSet(false, true)) {
			if (!this.backend.every(lease().dividedBy(4), this::renewLeases)) {
				this.renewing.set(false);
			}
		}
	}

	/**
	 * Extends, with one script, the lease of every slot of this instance whose lease is half gone;
	 * forgets those removed meanwhile and those older than {@link RedisBudgetLedger#LONGEST_CALL}.
	 * Never blocks and never fails: a renewal that does not reach Redis is tried again at the next run.
	 * @return completes when Redis has answered (for tests)
	 */
	CompletableFuture<Void> renewLeases() {
		if (this.leases.isEmpty() || !this.backend.isUp()) {
			return CompletableFuture.completedFuture(null);
		}
		long nowMs = this.clock.instant().toEpochMilli();
		long leaseMs = lease().toMillis();
		long deadlineMs = nowMs + leaseMs;
		List<String> due = new ArrayList<>();
		this.leases.forEach((id, lease) -> {
			if (nowMs - lease.takenAtMs() >= RedisBudgetLedger.LONGEST_CALL.toMillis()) {
				this.leases.remove(id, lease);
			}
			else if (lease.deadlineMs() - nowMs <= leaseMs / 2) {
				due.add(id);
			}
		});
		if (due.isEmpty()) {
			return CompletableFuture.completedFuture(null);
		}
		byte[][] keys = { this.key };
		byte[][] args = new byte[2 + due.size()][];
		args[0] = number(deadlineMs);
		args[1] = number(keyTtl().toMillis());
		for (int i = 0; i < due.size(); i++) {
			args[2 + i] = bytes(due.get(i));
		}
		try {
			return this.backend.eval(SlotScripts.RENEW, keys, args).thenAccept((gone) -> {
				for (String id : due) {
					this.leases.computeIfPresent(id, (k, lease) -> new Lease(lease.takenAtMs(), deadlineMs));
				}
				for (Object id : gone) {
					String lost = text(id);
					if (this.leases.remove(lost) != null) {
						logger.debug("Concurrency slot {} ended before it was renewed; its call runs on", lost);
					}
				}
			}).exceptionally((ex) -> {
				logger.debug("Renewing {} concurrency slot leases failed; trying again at the next run", due.size(), ex);
				return null;
			}).toCompletableFuture();
		}
		catch (RuntimeException ex) {
			logger.debug("Renewing {} concurrency slot leases failed; trying again at the next run", due.size(), ex);
			return CompletableFuture.completedFuture(null);
		}
	}

	private Duration lease() {
		return this.backend.options().concurrencyLease();
	}

	/** The set outlives every lease in it; an idle provider leaves nothing behind. */
	private Duration keyTtl() {
		return lease().multipliedBy(2);
	}

	/** When a slot of this instance was taken and when its lease ends, as last written. */
	private record Lease(long takenAtMs, long deadlineMs) {
	}

	private static String text(Object value) {
		return (value instanceof byte[] raw) ? new String(raw, StandardCharsets.UTF_8) : String.valueOf(value);
	}

	private static byte[] bytes(String value) {
		return value.getBytes(StandardCharsets.UTF_8);
	}

	private static byte[] number(long value) {
		return bytes(Long.toString(value));
	}

}

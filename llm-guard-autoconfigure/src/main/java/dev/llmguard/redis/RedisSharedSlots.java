package dev.llmguard.redis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import dev.llmguard.core.limit.PendingSlot;
import dev.llmguard.core.limit.SharedSlots;
import dev.llmguard.core.time.GuardClock;

/**
 * One provider's {@code max-concurrent} slots shared by every instance through Redis (see
 * {@link SlotScripts}): taking and renewing are each one script, freeing one ZREM that the caller
 * does not wait for. An admission sends the take ({@link #startTake}) before its bucket takes and
 * waits for both answers together; a take given up on is freed by a ZREM sent once it is answered.
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

	/** Slots admitted without Redis carry this id prefix; freeing them needs no Redis. */
	static final String LOCAL = "local-";

	/** How long a call refused a slot waits before asking Redis again. */
	static final Duration POLL = Duration.ofMillis(20);

	private final RedisGuardBackend backend;

	private final byte[] key;

	private final GuardClock clock;

	/** This instance's slots, with when each was taken and when its lease ends. */
	private final RedisLeases<Lease> leases;

	RedisSharedSlots(RedisGuardBackend backend, String limitKey) {
		this.backend = Objects.requireNonNull(backend, "backend");
		this.key = RedisKeys.bytes(backend.keys().slots(limitKey));
		this.clock = backend.time();
		this.leases = new RedisLeases<>(backend, this.clock, "Concurrency slot", this::lease, this::renew);
	}

	@Override
	public String tryTake(int limit) {
		return startTake(limit).await();
	}

	/**
	 * {@inheritDoc} Sends the take script and returns at once; the answer is awaited under the failure
	 * mode like every operation of the backend.
	 */
	@Override
	public PendingSlot startTake(int limit) {
		String id = this.backend.newId();
		long nowMs = this.clock.instant().toEpochMilli();
		long deadlineMs = nowMs + lease().toMillis();
		byte[][] keys = { this.key };
		byte[][] args = { number(nowMs), number(deadlineMs), number(limit), bytes(id), number(keyTtl().toMillis()) };
		RedisGuardBackend.Started<String> started = this.backend.start("concurrency slot",
				() -> this.backend.eval(SlotScripts.TAKE, keys, args)
					.thenApply((reply) -> Long.valueOf(1).equals(reply.get(0)) ? id : null));
		return new Pending(id, new Lease(nowMs, deadlineMs), started);
	}

	@Override
	public void release(String slot) {
		if (slot.startsWith(LOCAL)) {
			return;
		}
		this.leases.remove(slot);
		free(slot);
	}

	/**
	 * Removes a slot from Redis with one ZREM, not awaited: the next take on this connection runs
	 * after it; a slot not freed (Redis failed) comes back when its lease ends.
	 */
	private void free(String slot) {
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

	/**
	 * Extends the lease of every slot of this instance whose lease is half gone ({@link RedisLeases#renew}).
	 * @return completes when Redis has answered (for tests)
	 */
	CompletableFuture<Void> renewLeases() {
		return this.leases.renew();
	}

	private CompletionStage<List<Object>> renew(long deadlineMs, List<String> ids) {
		byte[][] keys = { this.key };
		byte[][] args = new byte[2 + ids.size()][];
		args[0] = number(deadlineMs);
		args[1] = number(keyTtl().toMillis());
		for (int i = 0; i < ids.size(); i++) {
			args[2 + i] = bytes(ids.get(i));
		}
		return this.backend.eval(SlotScripts.RENEW, keys, args);
	}

	private Duration lease() {
		return this.backend.options().concurrencyLease();
	}

	/** The set outlives every lease in it; an idle provider leaves nothing behind. */
	private Duration keyTtl() {
		return lease().multipliedBy(2);
	}

	/** A take sent to Redis and not answered yet. */
	private final class Pending implements PendingSlot {

		private final String id;

		private final Lease lease;

		private final RedisGuardBackend.Started<String> started;

		Pending(String id, Lease lease, RedisGuardBackend.Started<String> started) {
			this.id = id;
			this.lease = lease;
			this.started = started;
		}

		@Override
		public String await() {
			String taken;
			try {
				taken = RedisSharedSlots.this.backend.finish(this.started, () -> LOCAL + this.id);
			}
			catch (RuntimeException | Error ex) {
				forget();
				throw ex;
			}
			if (this.id.equals(taken)) {
				RedisSharedSlots.this.leases.hold(this.id, this.lease);
			}
			else if (taken != null) {
				forget(); // admitted with a slot of this JVM: the take may still have reached Redis
			}
			return taken;
		}

		@Override
		public void cancel() {
			RedisSharedSlots.this.backend.abandon(this.started);
			forget();
		}

		/**
		 * Frees the slot in Redis when its take was sent but its answer is not used (given up on, an
		 * interrupted wait, a failure), once the take is answered: a take sent by its digest to a Redis
		 * that lost its scripts is sent again with its text, after anything sent meanwhile. The caller
		 * does not wait; while Redis is down nothing is sent, and a slot the take added comes back when
		 * its lease ends.
		 */
		private void forget() {
			if (!this.started.sent()) {
				return;
			}
			this.started.stage().whenComplete((taken, failure) -> {
				if ((failure != null || this.id.equals(taken)) && RedisSharedSlots.this.backend.isUp()) {
					free(this.id);
				}
			});
		}

	}

	/** When a slot of this instance was taken and when its lease ends, as last written. */
	private record Lease(long heldSinceMs, long deadlineMs) implements RedisLeases.Lease<Lease> {

		@Override
		public Lease until(long deadline) {
			return new Lease(this.heldSinceMs, deadline);
		}

	}

	private static byte[] bytes(String value) {
		return value.getBytes(StandardCharsets.UTF_8);
	}

	private static byte[] number(long value) {
		return RedisKeys.number(value);
	}

}

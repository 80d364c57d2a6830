package dev.llmguard.redis;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Objects;

import dev.llmguard.core.limit.CooldownStore;
import dev.llmguard.core.limit.InMemoryCooldownStore;
import dev.llmguard.core.model.ModelRef;

/**
 * Model cooldowns shared by every instance: one key per model holding the end of its cooldown
 * (epoch milliseconds), expiring at that end. Cooldowns are also kept in this JVM, so while Redis
 * fails in fail-open mode this instance still skips the models it saw failing.
 */
public final class RedisCooldownStore implements CooldownStore {

	private final RedisGuardBackend backend;

	private final InMemoryCooldownStore local = new InMemoryCooldownStore();

	public RedisCooldownStore(RedisGuardBackend backend) {
		this.backend = Objects.requireNonNull(backend, "backend");
	}

	/**
	 * {@inheritDoc}
	 * @throws GuardBackendUnavailableException when Redis fails in fail-closed mode
	 */
	@Override
	public Instant cooldownUntil(ModelRef model, Instant now) {
		byte[] key = RedisKeys.bytes(this.backend.keys().cooldown(model));
		Instant here = this.local.cooldownUntil(model, now);
		Instant shared = this.backend.call("cooldown read",
				() -> this.backend.commands().get(key).thenApply(RedisCooldownStore::instant), () -> null);
		Instant until = (shared == null || (here != null && here.isAfter(shared))) ? here : shared;
		return (until != null && until.isAfter(now)) ? until : null;
	}

	/** {@inheritDoc} Never throws: a cooldown that Redis did not take still holds in this JVM. */
	@Override
	public void coolDown(ModelRef model, Instant until) {
		this.local.coolDown(model, until);
		long ttl = until.toEpochMilli() - this.backend.clock().instant().toEpochMilli();
		if (ttl <= 0) {
			return;
		}
		byte[][] keys = { RedisKeys.bytes(this.backend.keys().cooldown(model)) };
		byte[][] args = { RedisKeys.bytes(Long.toString(until.toEpochMilli())), RedisKeys.bytes(Long.toString(ttl)) };
		this.backend.callQuietly("cooldown write", () -> this.backend.eval(BudgetScripts.COOL_DOWN, keys, args));
	}

	/**
	 * {@inheritDoc} Every instance skips the model in chains (the shared cooldown); this instance also
	 * refuses its single-model calls at once. Other instances learn of the spent quota from their own
	 * next answer, so a call of one model needs no extra Redis read.
	 */
	@Override
	public void closeForQuota(ModelRef model, Instant until) {
		coolDown(model, until);
		this.local.closeForQuota(model, until);
	}

	@Override
	public Instant quotaResetsAt(ModelRef model, Instant now) {
		return this.local.quotaResetsAt(model, now);
	}

	private static Instant instant(byte[] value) {
		return (value != null) ? Instant.ofEpochMilli(Long.parseLong(new String(value, StandardCharsets.UTF_8)))
				: null;
	}

}

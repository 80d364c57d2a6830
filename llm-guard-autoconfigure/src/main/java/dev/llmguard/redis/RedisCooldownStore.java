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
 * <p>
 * Reading a model's shared cooldown costs no round trip while this instance watches the changes
 * channel ({@link ChangeWatch}): the script that extends a cooldown publishes it in the same atomic
 * step, and what Redis last answered for a model is used for up to a second, until a change of it is
 * published, or until the subscription drops. A cooldown another instance starts is therefore seen
 * once its message arrives (within a second at worst); one this instance starts, at once.
 */
public final class RedisCooldownStore implements CooldownStore {

	private final RedisGuardBackend backend;

	private final InMemoryCooldownStore local = new InMemoryCooldownStore();

	private final ChangeWatch watch;

	public RedisCooldownStore(RedisGuardBackend backend) {
		this.backend = Objects.requireNonNull(backend, "backend");
		this.watch = backend.changes();
	}

	/**
	 * {@inheritDoc}
	 * @throws GuardBackendUnavailableException when Redis fails in fail-closed mode
	 */
	@Override
	public Instant cooldownUntil(ModelRef model, Instant now) {
		Instant here = this.local.cooldownUntil(model, now);
		Instant shared = shared(model);
		Instant until = (shared == null || (here != null && here.isAfter(shared))) ? here : shared;
		return (until != null && until.isAfter(now)) ? until : null;
	}

	/** The end of the model's shared cooldown, from memory while watched, else from Redis; {@code null} for none. */
	private Instant shared(ModelRef model) {
		// while Redis is known down the failure mode answers, even for a cooldown known
		long known = this.watch.cooldownUntil(model);
		if (known >= 0 && this.backend.isUp()) {
			return (known > 0) ? Instant.ofEpochMilli(known) : null;
		}
		String name = this.backend.keys().cooldown(model);
		byte[] key = RedisKeys.bytes(name);
		long version = this.watch.version();
		Read read = this.backend.call("cooldown read",
				() -> this.backend.commands().get(key).thenApply((value) -> new Read(instant(value))), () -> null);
		if (read == null) {
			return null;
		}
		this.watch.start();
		this.watch.cooldown(model, name, (read.until() != null) ? read.until().toEpochMilli() : 0, version);
		return read.until();
	}

	/** What Redis answered, told apart from the failure mode's {@code null}. */
	private record Read(Instant until) {
	}

	/** {@inheritDoc} Never throws: a cooldown that Redis did not take still holds in this JVM. */
	@Override
	public void coolDown(ModelRef model, Instant until) {
		this.local.coolDown(model, until);
		long ttl = until.toEpochMilli() - this.backend.clock().instant().toEpochMilli();
		if (ttl <= 0) {
			return;
		}
		String name = this.backend.keys().cooldown(model);
		byte[][] keys = { RedisKeys.bytes(name) };
		byte[][] args = { RedisKeys.number(until.toEpochMilli()), RedisKeys.number(ttl),
				RedisKeys.bytes(this.backend.keys().changes()) };
		this.backend.callQuietly("cooldown write", () -> this.backend.eval(BudgetScripts.COOL_DOWN, keys, args));
		// what this instance knew of the shared cooldown is stale now, whether or not Redis took the write
		this.watch.changed(name);
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

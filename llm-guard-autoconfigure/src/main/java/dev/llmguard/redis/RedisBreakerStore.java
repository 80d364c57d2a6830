package dev.llmguard.redis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;

import dev.llmguard.core.breaker.BreakerChange;
import dev.llmguard.core.breaker.BreakerPass;
import dev.llmguard.core.breaker.BreakerState;
import dev.llmguard.core.breaker.BreakerStore;
import dev.llmguard.core.config.BreakerPolicy;
import dev.llmguard.core.model.ModelRef;

/**
 * The models' circuit breakers shared by every instance: one hash per model, changed only by the
 * atomic scripts of {@link BreakerScripts}, timed by Redis's clock, so a model one instance saw
 * failing is skipped by all, and across the fleet exactly one call probes a half-open breaker.
 * <p>
 * While Redis fails, a breaker lets calls through in fail-open mode (and failures go uncounted) or
 * refuses them with {@link GuardBackendUnavailableException} in fail-closed mode, like the other
 * stores.
 * <p>
 * A closed breaker costs no round trip while this instance watches breaker changes (a pub/sub
 * subscription, see {@link ChangeWatch}): a model Redis said closed is answered from memory for up
 * to a second, until a change of its breaker is published, or until the subscription drops. A
 * breaker another instance opens is therefore seen by this instance once its message arrives (the
 * PUBLISH runs in the same script that opens it, so no pass of this instance starting after the
 * message arrived lets a call through), and within a second at worst, should a message get lost; a
 * breaker this instance opens is seen by it at once. Without the subscription (it could not be opened, or it is
 * reconnecting), or while Redis is known to be down, every call asks Redis as before.
 */
public final class RedisBreakerStore implements BreakerStore {

	/** How long a breaker is remembered after its open time ended without a probe deciding. */
	static final Duration REMEMBER = Duration.ofDays(1);

	/** The field of a breaker's hash that only an open or half-open breaker has (see {@link BreakerScripts}). */
	private static final byte[] OPEN_UNTIL = RedisKeys.bytes("u");

	/** The answer of the pass script for a closed breaker. */
	private static final List<Object> CLOSED = List.of("c");

	private final RedisGuardBackend backend;

	private final ChangeWatch watch;

	public RedisBreakerStore(RedisGuardBackend backend) {
		this.backend = Objects.requireNonNull(backend, "backend");
		this.watch = backend.changes();
	}

	/**
	 * {@inheritDoc}
	 * @throws GuardBackendUnavailableException when Redis fails in fail-closed mode
	 */
	@Override
	public BreakerPass pass(ModelRef model) {
		// while Redis is known down the failure mode answers, even for a breaker known closed
		if (this.watch.isClosed(model) && this.backend.isUp()) {
			return BreakerPass.CLOSED;
		}
		Instant now = now();
		long token = newToken();
		String name = this.backend.keys().breaker(model);
		byte[][] key = { RedisKeys.bytes(name) };
		long version = this.watch.version();
		// a closed breaker has no open-until field: one HEXISTS answers, and only a breaker that opened
		// needs the script, which decides atomically who probes
		List<Object> reply = this.backend.call("breaker pass", () -> this.backend.commands()
			.hexists(key[0], OPEN_UNTIL)
			.thenCompose((open) -> Boolean.TRUE.equals(open)
					? this.backend.eval(BreakerScripts.PASS, key, args(millis(now), Long.toString(token)))
					: CompletableFuture.completedFuture(CLOSED)), () -> null);
		if (reply == null) {
			return BreakerPass.CLOSED;
		}
		this.watch.start();
		if (reply == CLOSED) {
			this.watch.closed(model, name, version);
			return BreakerPass.CLOSED;
		}
		String kind = text(reply, 0);
		if ("c".equals(kind)) {
			return BreakerPass.CLOSED;
		}
		Instant until = Instant.ofEpochMilli(number(reply, 1));
		return switch (kind) {
			case "o" -> new BreakerPass(BreakerPass.Kind.OPEN, until, left(now, until), 0);
			case "b" -> new BreakerPass(BreakerPass.Kind.PROBING, until, left(now, until), 0);
			case "p" -> new BreakerPass(BreakerPass.Kind.PROBE, until, Duration.ZERO, token);
			default -> throw new IllegalStateException("unexpected breaker script answer " + kind);
		};
	}

	/** {@inheritDoc} Never throws: a failure Redis did not take goes uncounted. */
	@Override
	public BreakerChange failed(ModelRef model, BreakerPolicy policy, Duration openFor) {
		String name = this.backend.keys().breaker(model);
		byte[][] key = { RedisKeys.bytes(name) };
		List<Object> reply = this.backend.callQuietly("breaker failure",
				() -> this.backend.eval(BreakerScripts.FAILED, key,
						args(millis(now()), Integer.toString(policy.failures()),
								Long.toString(policy.window().toMillis()), Long.toString(openFor.toMillis()),
								Long.toString(policy.maxOpen().toMillis()), Long.toString(REMEMBER.toMillis()),
								channel())));
		if (reply == null) {
			return new BreakerChange(BreakerChange.Kind.COUNTED, null, null, 0);
		}
		String kind = text(reply, 0);
		if ("counted".equals(kind)) {
			return new BreakerChange(BreakerChange.Kind.COUNTED, null, null, (int) number(reply, 1));
		}
		// this instance's next call sees the breaker it opened without waiting for its own message
		this.watch.changed(name);
		return new BreakerChange(BreakerChange.Kind.valueOf(kind.toUpperCase(java.util.Locale.ROOT)),
				Instant.ofEpochMilli(number(reply, 1)), Duration.ofMillis(number(reply, 2)), 0);
	}

	/** {@inheritDoc} Never throws: when Redis fails the breaker stays half-open, and the next call probes. */
	@Override
	public boolean probeSucceeded(ModelRef model, long token) {
		List<Object> reply = this.backend.callQuietly("breaker close",
				() -> this.backend.eval(BreakerScripts.PROBE_SUCCEEDED, key(model), args(Long.toString(token), channel())));
		return reply != null && "1".equals(text(reply, 0));
	}

	/** {@inheritDoc} Never throws: a probe Redis did not free ends with its lease. */
	@Override
	public void probeAbandoned(ModelRef model, long token) {
		this.backend.callQuietly("breaker probe release",
				() -> this.backend.eval(BreakerScripts.PROBE_ABANDONED, key(model), args(Long.toString(token))));
	}

	/** {@inheritDoc} Closed while Redis does not answer. */
	@Override
	public BreakerState state(ModelRef model, Duration window) {
		byte[] key = key(model)[0];
		List<byte[]> fields = this.backend.callOrElse("breaker read",
				() -> this.backend.commands()
					.hmget(key, RedisKeys.bytes("u"), RedisKeys.bytes("d"), RedisKeys.bytes("f"))
					.thenApply((values) -> values.stream().map((value) -> value.getValueOrElse(null)).toList()),
				() -> null);
		if (fields == null) {
			return BreakerState.CLOSED;
		}
		Instant now = now();
		if (fields.get(0) == null) {
			long from = now.toEpochMilli() - window.toMillis();
			int recent = 0;
			if (fields.get(2) != null) {
				for (String time : string(fields.get(2)).split(",")) {
					if (Long.parseLong(time) > from) {
						recent++;
					}
				}
			}
			return (recent == 0) ? BreakerState.CLOSED : new BreakerState(BreakerState.State.CLOSED, null, null, recent);
		}
		Instant until = Instant.ofEpochMilli(Long.parseLong(string(fields.get(0))));
		Duration openFor = Duration.ofMillis(Long.parseLong(string(fields.get(1))));
		return now.isBefore(until) ? new BreakerState(BreakerState.State.OPEN, until, openFor, 0)
				: new BreakerState(BreakerState.State.HALF_OPEN, null, openFor, 0);
	}

	/** The watch of breaker changes, for tests. */
	ChangeWatch watch() {
		return this.watch;
	}

	private String channel() {
		return this.backend.keys().changes();
	}

	private Instant now() {
		return this.backend.time().instant();
	}

	private byte[][] key(ModelRef model) {
		return new byte[][] { RedisKeys.bytes(this.backend.keys().breaker(model)) };
	}

	private static byte[][] args(String... values) {
		byte[][] args = new byte[values.length][];
		for (int i = 0; i < values.length; i++) {
			args[i] = RedisKeys.bytes(values[i]);
		}
		return args;
	}

	private static String millis(Instant instant) {
		return Long.toString(instant.toEpochMilli());
	}

	private static Duration left(Instant now, Instant until) {
		return now.isBefore(until) ? Duration.between(now, until) : Duration.ZERO;
	}

	private static String text(List<Object> reply, int index) {
		Object value = reply.get(index);
		return (value instanceof byte[] bytes) ? string(bytes) : String.valueOf(value);
	}

	private static long number(List<Object> reply, int index) {
		return Long.parseLong(text(reply, index));
	}

	private static String string(byte[] value) {
		return new String(value, StandardCharsets.UTF_8);
	}

	private static long newToken() {
		long token;
		do {
			token = ThreadLocalRandom.current().nextLong();
		}
		while (token == 0);
		return token;
	}

}

package dev.llmguard.redis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.github.bucket4j.redis.lettuce.RedisApi;
import io.github.bucket4j.redis.lettuce.cas.LettuceBasedProxyManager;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.output.ValueOutput;
import io.lettuce.core.protocol.AsyncCommand;
import io.lettuce.core.protocol.Command;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;

import dev.llmguard.core.limit.BucketStore;
import dev.llmguard.core.limit.SharedSlots;
import dev.llmguard.core.time.GuardClock;
import dev.llmguard.redis.RedisGuardBackend.RedisScript;

/**
 * Buckets shared by every instance through Redis: Bucket4j's Lettuce proxy manager (compare and
 * swap, one key per bucket) on the guard's connection. Keys expire once a bucket would be full
 * again (plus a few seconds), so idle limits leave nothing behind. Bucket time is the backend's
 * {@link RedisGuardBackend#time() time}, Redis's clock, so every instance agrees on it even when their
 * clocks do not (Bucket4j's Lettuce buckets compute refills on the client, from the clock they are
 * given; Bucket4j 8.19 has no server-side time for them).
 * <p>
 * One Bucket4j operation reads the bucket's state (GET) and writes it back (a compare-and-swap
 * script). {@link #tryTakeAll} and {@link #adjustAll} run the operations of all buckets of a call
 * concurrently, and {@link #prefetch} sends the GETs ahead, while the budget step runs, so that
 * taking from any number of buckets usually costs one round trip of its own. A read that went stale
 * in between only makes the compare-and-swap fail and retry with a fresh read; it is never trusted.
 * <p>
 * The configuration is part of the key (a short hash), so changed limits start a fresh bucket
 * rather than being ignored by an existing one.
 */
public final class RedisBucketStore implements BucketStore {

	/** How long a full bucket's key stays after it would have refilled. */
	private static final Duration KEEP_WHEN_FULL = Duration.ofSeconds(10);

	/** A prefetched state older than this is not used (it would most likely only fail the swap). */
	private static final long PREFETCH_MAX_AGE_NANOS = Duration.ofSeconds(1).toNanos();

	private final RedisGuardBackend backend;

	private final LettuceBasedProxyManager<Object> proxies;

	/** Bounded by configuration: keys are built from provider, model, tool and limit names. */
	private final ConcurrentHashMap<String, RedisBucket> buckets = new ConcurrentHashMap<>();

	/** Concurrency slots by limit key; bounded by configuration (one per provider with max-concurrent). */
	private final ConcurrentHashMap<String, RedisSharedSlots> slots = new ConcurrentHashMap<>();

	/** Bucket4j's scripts by their text, with their digests. */
	private final ConcurrentHashMap<String, RedisScript> scripts = new ConcurrentHashMap<>();

	public RedisBucketStore(RedisGuardBackend backend) {
		this.backend = Objects.requireNonNull(backend, "backend");
		this.proxies = new Bucket4jLettuce.LettuceBasedProxyManagerBuilder<>(new GuardRedisApi())
			.clientClock(new ClockTimeMeter(backend.time()))
			// Bucket4j's own timeout on every command, though callers wait at most the backend's timeout
			// anyway: with batching, a command that never answers would hold back every later operation
			// on its bucket, and the adjustments of a settlement nobody waits for, until Lettuce gave up
			.requestTimeout(backend.options().timeout())
			.expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(KEEP_WHEN_FULL))
			.build();
	}

	@Override
	public Bucket bucket(String key, Supplier<BucketConfiguration> configuration) {
		BucketConfiguration wanted = configuration.get();
		String redisKey = this.backend.keys().bucket(key, fingerprint(wanted));
		return this.buckets.computeIfAbsent(redisKey, (k) -> new RedisBucket(k, this.proxies, wanted, this.backend));
	}

	@Override
	public String backend() {
		return "redis";
	}

	/**
	 * {@inheritDoc} A configuration has its own key here, so the bucket to use from now on is the one of
	 * the new configuration. The instance that made the change replaces the old bucket's configuration in
	 * Redis (keeping what was used) and copies that state to the new key, overwriting what an earlier
	 * use of that configuration left; the other instances only switch to the new key.
	 */
	@Override
	public Bucket reconfigure(String key, Bucket current, long currentCapacity, BucketConfiguration configuration,
			boolean carryOver) {
		Bucket target = bucket(key, () -> configuration);
		if (target == current) {
			return BucketStore.super.reconfigure(key, current, currentCapacity, configuration, carryOver);
		}
		if (carryOver && current instanceof RedisBucket source) {
			BucketStore.super.reconfigure(key, source, currentCapacity, configuration, true);
			copyState(source.redisKey(), ((RedisBucket) target).redisKey());
		}
		return target;
	}

	/** Copies a bucket's state, with its expiry, to another key (two single-key commands: cluster-safe). */
	private void copyState(byte[] from, byte[] to) {
		this.backend.callQuietly("rate limit configuration", () -> {
			RedisClusterAsyncCommands<byte[], byte[]> redis = this.backend.commands();
			return redis.get(from).thenCompose((state) -> {
				if (state == null) {
					return redis.del(to).thenApply((deleted) -> (Object) deleted);
				}
				return redis.pttl(from).thenCompose((ttl) -> redis
					.set(to, state, (ttl != null && ttl > 0) ? SetArgs.Builder.px(ttl) : new SetArgs())
					.thenApply((ok) -> (Object) ok));
			});
		});
	}

	/**
	 * {@inheritDoc} Slots are leases in Redis ({@link RedisSharedSlots}), so the cap holds across the
	 * fleet; one per key, bounded by configuration.
	 */
	@Override
	public SharedSlots sharedSlots(String key) {
		return this.slots.computeIfAbsent(key, (k) -> new RedisSharedSlots(this.backend, k));
	}

	/** The shared slots of a key, if created (for tests). */
	RedisSharedSlots slotsOf(String key) {
		return this.slots.get(key);
	}

	@Override
	public int tryTakeAll(Bucket[] buckets, long[] amounts, long[] keep) {
		RedisBucket[] redis = redisBuckets(buckets);
		if (redis == null) {
			return BucketStore.super.tryTakeAll(buckets, amounts, keep);
		}
		return this.backend.call("rate limit", () -> takeAll(redis, amounts, keep), () -> -1);
	}

	/**
	 * Takes from every bucket at once; a take that leaves less than its keep is refused. On a
	 * refusal, or when a take failed, what was taken is given back before answering (a failure is
	 * then raised as it came).
	 */
	private static CompletableFuture<Integer> takeAll(RedisBucket[] buckets, long[] amounts, long[] keep) {
		@SuppressWarnings("unchecked")
		CompletableFuture<ConsumptionProbe>[] probes = new CompletableFuture[buckets.length];
		for (int i = 0; i < buckets.length; i++) {
			probes[i] = buckets[i].async().tryConsumeAndReturnRemaining(amounts[i]);
		}
		return CompletableFuture.allOf(probes).handle((done, failure) -> {
			int refused = -1;
			for (int i = 0; i < buckets.length && refused < 0 && failure == null; i++) {
				ConsumptionProbe probe = probes[i].join();
				if (!probe.isConsumed() || probe.getRemainingTokens() < keep[i]) {
					refused = i;
				}
			}
			if (refused < 0 && failure == null) {
				return CompletableFuture.completedFuture(-1);
			}
			CompletableFuture<?>[] giveBack = new CompletableFuture[buckets.length];
			for (int i = 0; i < buckets.length; i++) {
				giveBack[i] = consumed(probes[i]) ? buckets[i].async().addTokens(amounts[i])
						: CompletableFuture.completedFuture(null);
			}
			int answer = refused;
			return CompletableFuture.allOf(giveBack).thenApply((ignored) -> {
				if (failure != null) {
					throw (failure instanceof CompletionException completion) ? completion
							: new CompletionException(failure);
				}
				return answer;
			});
		}).thenCompose((answer) -> answer);
	}

	/** Whether a take completed and consumed its tokens (a failed take holds nothing). */
	private static boolean consumed(CompletableFuture<ConsumptionProbe> probe) {
		return probe.isDone() && !probe.isCompletedExceptionally() && probe.join().isConsumed();
	}

	@Override
	public void adjustAll(Bucket[] buckets, long[] deltas) {
		RedisBucket[] redis = redisBuckets(buckets);
		if (redis == null) {
			BucketStore.super.adjustAll(buckets, deltas);
			return;
		}
		// not awaited, and never fails a settlement: a lost adjustment only leaves a bucket off until it
		// refills; this instance's next operations on the bucket run after it
		this.backend.send("rate limit settlement", () -> {
			CompletableFuture<?>[] adjustments = new CompletableFuture[redis.length];
			for (int i = 0; i < redis.length; i++) {
				long delta = deltas[i];
				adjustments[i] = (delta > 0) ? redis[i].async().addTokens(delta)
						: (delta < 0) ? redis[i].async().consumeIgnoringRateLimits(-delta)
								: CompletableFuture.completedFuture(null);
			}
			return CompletableFuture.allOf(adjustments);
		});
	}

	/** {@inheritDoc} Never throws: a limit Redis did not take is still used in this JVM. */
	@Override
	public void shareLearnedLimit(String key, long limit) {
		byte[] hash = RedisKeys.bytes(this.backend.keys().learnedLimits());
		this.backend.callQuietly("learned limit write",
				() -> this.backend.commands().hset(hash, RedisKeys.bytes(key), RedisKeys.bytes(Long.toString(limit))));
	}

	/** {@inheritDoc} {@code null} while Redis fails: the limits this JVM learned still apply. */
	@Override
	public Long learnedLimit(String key) {
		byte[] hash = RedisKeys.bytes(this.backend.keys().learnedLimits());
		byte[] value = this.backend.callOrElse("learned limit read",
				() -> this.backend.commands().hget(hash, RedisKeys.bytes(key)), () -> null);
		if (value == null) {
			return null;
		}
		try {
			return Long.parseLong(new String(value, StandardCharsets.UTF_8));
		}
		catch (NumberFormatException ex) {
			return null; // not written by llm-guard: ignored
		}
	}

	@Override
	public boolean sharesLearnedLimits() {
		return true;
	}

	@Override
	public boolean prefetches() {
		return true;
	}

	@Override
	public void prefetch(Bucket[] buckets) {
		if (!this.backend.isUp()) {
			return; // while Redis is down, operations do not go out; neither do reads ahead
		}
		long now = System.nanoTime();
		List<AsyncCommand<byte[], byte[], byte[]>> reads = new ArrayList<>(buckets.length);
		for (Bucket bucket : buckets) {
			if (bucket instanceof RedisBucket redisBucket) {
				// a read of this bucket already on its way serves the next operation as well as a new one
				// would: with many callers, one read per batch of operations instead of one per caller
				RedisBucket.Prefetched ahead = redisBucket.prefetched();
				if (ahead != null && !ahead.state().isDone()) {
					continue;
				}
				AsyncCommand<byte[], byte[], byte[]> read = get(redisBucket.redisKey());
				if (redisBucket.prefetch(ahead, new RedisBucket.Prefetched(read, now))) {
					reads.add(read);
				}
			}
		}
		if (!reads.isEmpty()) {
			// the reads of every bucket of the call go out in one write
			this.backend.dispatch(reads);
		}
	}

	/** A GET not sent yet. */
	private static AsyncCommand<byte[], byte[], byte[]> get(byte[] key) {
		return new AsyncCommand<>(new Command<>(CommandType.GET, new ValueOutput<>(ByteArrayCodec.INSTANCE),
				new CommandArgs<>(ByteArrayCodec.INSTANCE).addKey(key)));
	}

	private static RedisBucket[] redisBuckets(Bucket[] buckets) {
		RedisBucket[] redis = new RedisBucket[buckets.length];
		for (int i = 0; i < buckets.length; i++) {
			if (!(buckets[i] instanceof RedisBucket redisBucket)) {
				return null;
			}
			redis[i] = redisBucket;
		}
		return redis;
	}

	/** A short, stable hash of everything that makes a bucket's configuration. */
	static String fingerprint(BucketConfiguration configuration) {
		StringBuilder text = new StringBuilder();
		for (Bandwidth bandwidth : configuration.getBandwidths()) {
			text.append(bandwidth.getCapacity())
				.append('/')
				.append(bandwidth.getRefillTokens())
				.append('/')
				.append(bandwidth.getRefillPeriodNanos())
				.append('/')
				.append(bandwidth.isRefillIntervally())
				.append('/')
				.append(bandwidth.getInitialTokens())
				.append(';');
		}
		return HexFormat.of().formatHex(RedisKeys.sha256(text.toString()), 0, 4);
	}

	/**
	 * Bucket4j's view of Redis: the guard's connection, and reads served from a fresh prefetch. Keys
	 * are {@link RedisBucket.Key}s, typed {@code Object} because Bucket4j passes them in an {@code Object[]}.
	 */
	private final class GuardRedisApi implements RedisApi<Object> {

		/**
		 * Sends Bucket4j's compare-and-swap scripts by their digest (EVALSHA), so Redis neither receives
		 * nor hashes their text on every operation; with their text once when Redis does not know them
		 * (first use, restart, SCRIPT FLUSH).
		 */
		@Override
		public <V> RedisFuture<V> eval(String script, ScriptOutputType scriptOutputType, Object[] keys,
				byte[][] params) {
			byte[][] redisKeys = new byte[keys.length][];
			for (int i = 0; i < keys.length; i++) {
				redisKeys[i] = ((RedisBucket.Key) keys[i]).bytes();
			}
			// bounded: Bucket4j's proxy manager has four constant scripts
			RedisScript known = RedisBucketStore.this.scripts.computeIfAbsent(script, RedisScript::of);
			return RedisBucketStore.this.backend.eval(known, scriptOutputType, redisKeys, params, new ScriptFuture<V>());
		}

		@Override
		public RedisFuture<byte[]> get(Object key) {
			RedisBucket.Key redisKey = (RedisBucket.Key) key;
			RedisBucket.Prefetched ahead = redisKey.takePrefetched();
			if (ahead != null && System.nanoTime() - ahead.atNanos() < PREFETCH_MAX_AGE_NANOS
					&& !ahead.state().toCompletableFuture().isCompletedExceptionally()) {
				return ahead.state();
			}
			return RedisBucketStore.this.backend.commands().get(redisKey.bytes());
		}

		@Override
		public RedisFuture<?> delete(Object key) {
			return RedisBucketStore.this.backend.commands().del(((RedisBucket.Key) key).bytes());
		}

	}

	/** Bucket4j time from the backend's time (wall-clock based, the same for every instance). */
	private record ClockTimeMeter(GuardClock clock) implements TimeMeter {

		@Override
		public long currentTimeNanos() {
			return this.clock.epochNanos();
		}

		@Override
		public boolean isWallClockBased() {
			return true;
		}

	}

}

package dev.llmguard.redis;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

import io.github.bucket4j.BlockingBucket;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.BucketListener;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.EstimationProbe;
import io.github.bucket4j.SchedulingBucket;
import io.github.bucket4j.TokensInheritanceStrategy;
import io.github.bucket4j.VerboseBucket;
import io.github.bucket4j.distributed.AsyncBucketProxy;
import io.github.bucket4j.distributed.BucketProxy;
import io.github.bucket4j.distributed.proxy.optimization.Optimizations;
import io.github.bucket4j.redis.lettuce.cas.LettuceBasedProxyManager;
import io.lettuce.core.RedisFuture;

/**
 * One shared bucket, as the engine sees it: every operation waits at most the backend's timeout,
 * and while Redis fails it answers by the failure mode. Fail-open: everything can be consumed and
 * the bucket looks full. Fail-closed: consuming throws {@link GuardBackendUnavailableException} and
 * the bucket looks empty. Giving back and taking debt never throw (settling must not fail a call).
 * {@link #asBlocking()}, {@link #asScheduler()}, {@link #asVerbose()} and {@link #toListenable} are
 * Bucket4j's own proxy, without the failure mode; the engine does not use them.
 */
final class RedisBucket implements Bucket {

	private final String key;

	/** What Bucket4j is given as this bucket's key, and gives back to the store's Redis API. */
	private final Key redisKey;

	private final AsyncBucketProxy async;

	private final BucketProxy sync;

	private final long capacity;

	private final RedisGuardBackend backend;

	RedisBucket(String key, LettuceBasedProxyManager<Object> proxies, BucketConfiguration configuration,
			RedisGuardBackend backend) {
		this.key = key;
		this.redisKey = new Key(RedisKeys.bytes(key));
		// batching: while one operation on this bucket is in flight, the next ones wait and then go
		// together as one compare-and-swap, so threads of this JVM do not fail each other's swaps
		this.async = proxies.asAsync()
			.builder()
			.withOptimization(Optimizations.batching())
			.build(this.redisKey, () -> CompletableFuture.completedFuture(configuration));
		this.sync = proxies.builder().withOptimization(Optimizations.batching()).build(this.redisKey, () -> configuration);
		long smallest = Long.MAX_VALUE;
		for (var bandwidth : configuration.getBandwidths()) {
			smallest = Math.min(smallest, bandwidth.getCapacity());
		}
		this.capacity = smallest;
		this.backend = backend;
	}

	String key() {
		return this.key;
	}

	byte[] redisKey() {
		return this.redisKey.bytes();
	}

	/** The read of this bucket's state sent ahead of its next operation, if any. */
	Prefetched prefetched() {
		return this.redisKey.ahead.get();
	}

	/** Sets the read ahead unless another caller changed it since {@code expected} was read. */
	boolean prefetch(Prefetched expected, Prefetched read) {
		return this.redisKey.ahead.compareAndSet(expected, read);
	}

	/**
	 * A bucket's key for Bucket4j: its bytes in Redis, and the slot of its read sent ahead, which the
	 * store's Redis API finds through the key Bucket4j hands back, without a map of its own.
	 * Compared by identity, like the {@code byte[]} Bucket4j would otherwise be given.
	 */
	static final class Key {

		private final byte[] bytes;

		private final AtomicReference<Prefetched> ahead = new AtomicReference<>();

		Key(byte[] bytes) {
			this.bytes = bytes;
		}

		byte[] bytes() {
			return this.bytes;
		}

		/** Takes the read sent ahead, so it serves one operation. */
		Prefetched takePrefetched() {
			return this.ahead.getAndSet(null);
		}

	}

	/** A bucket state read ahead of its use, and when it was sent ({@link System#nanoTime()}). */
	record Prefetched(RedisFuture<byte[]> state, long atNanos) {
	}

	AsyncBucketProxy async() {
		return this.async;
	}

	@Override
	public boolean tryConsume(long numTokens) {
		return this.backend.call("rate limit", () -> this.async.tryConsume(numTokens), () -> true);
	}

	@Override
	public long consumeIgnoringRateLimits(long tokens) {
		Long penalty = this.backend.callQuietly("rate limit debt", () -> this.async.consumeIgnoringRateLimits(tokens));
		return (penalty != null) ? penalty : 0;
	}

	@Override
	public ConsumptionProbe tryConsumeAndReturnRemaining(long numTokens) {
		return this.backend.call("rate limit", () -> this.async.tryConsumeAndReturnRemaining(numTokens),
				() -> ConsumptionProbe.consumed(this.capacity, 0));
	}

	@Override
	public EstimationProbe estimateAbilityToConsume(long numTokens) {
		return this.backend.call("rate limit estimate", () -> this.async.estimateAbilityToConsume(numTokens),
				() -> EstimationProbe.canBeConsumed(this.capacity));
	}

	@Override
	public long tryConsumeAsMuchAsPossible() {
		return this.backend.call("rate limit", this.async::tryConsumeAsMuchAsPossible, () -> this.capacity);
	}

	@Override
	public long tryConsumeAsMuchAsPossible(long limit) {
		return this.backend.call("rate limit", () -> this.async.tryConsumeAsMuchAsPossible(limit), () -> limit);
	}

	@Override
	public void addTokens(long tokensToAdd) {
		this.backend.callQuietly("rate limit give-back", () -> this.async.addTokens(tokensToAdd));
	}

	@Override
	public void forceAddTokens(long tokensToAdd) {
		this.backend.callQuietly("rate limit give-back", () -> this.async.forceAddTokens(tokensToAdd));
	}

	@Override
	public void reset() {
		this.backend.call("rate limit reset", this.async::reset, () -> null);
	}

	@Override
	public long getAvailableTokens() {
		return this.backend.callOrElse("rate limit read", this.async::getAvailableTokens,
				() -> (this.backend.mode() == RedisFailureMode.FAIL_OPEN) ? this.capacity : 0L);
	}

	@Override
	public void replaceConfiguration(BucketConfiguration newConfiguration,
			TokensInheritanceStrategy tokensInheritanceStrategy) {
		this.backend.call("rate limit configuration",
				() -> this.async.replaceConfiguration(newConfiguration, tokensInheritanceStrategy), () -> null);
	}

	@Override
	public BlockingBucket asBlocking() {
		return this.sync.asBlocking();
	}

	@Override
	public SchedulingBucket asScheduler() {
		return this.sync.asScheduler();
	}

	@Override
	public VerboseBucket asVerbose() {
		return this.sync.asVerbose();
	}

	@Override
	public Bucket toListenable(BucketListener listener) {
		return this.sync.toListenable(listener);
	}

	@Override
	public String toString() {
		return "RedisBucket[" + this.key + "]";
	}

}

package dev.llmguard.core.limit;

import java.util.function.Supplier;

import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;

/**
 * Where buckets live: in this JVM ({@link LocalBucketStore}) or shared (the Redis backend).
 * Keys come from configuration (provider, model, tool and limit names), never from user input.
 * <p>
 * The engine takes and reconciles all buckets of a call through {@link #tryTakeAll} and
 * {@link #adjustAll}, so a shared store can run the operations of one call concurrently (one
 * exchange with the store instead of one per bucket); the defaults run them one after the other.
 */
public interface BucketStore {

	/**
	 * The bucket for a key, created with the configuration on first use.
	 * @param key a stable key such as {@code provider:openai:tokens-per-minute}
	 * @param configuration the configuration of a new bucket
	 * @return the bucket
	 */
	Bucket bucket(String key, Supplier<BucketConfiguration> configuration);

	/** {@code memory} or {@code redis}. */
	String backend();

	/**
	 * Takes from several buckets of this store, all or nothing: take {@code i} succeeds only when
	 * {@code amounts[i]} tokens can be consumed from {@code buckets[i]} and at least {@code keep[i]}
	 * tokens stay in it afterwards (the share kept for more urgent calls).
	 * @param buckets buckets of this store
	 * @param amounts positive amounts, one per bucket
	 * @param keep tokens each bucket must keep, one per bucket
	 * @return {@code -1} when every amount was taken, else the index of a refused take; nothing is held then
	 */
	default int tryTakeAll(Bucket[] buckets, long[] amounts, long[] keep) {
		for (int i = 0; i < buckets.length; i++) {
			if (!tryTake(buckets[i], amounts[i], keep[i])) {
				for (int j = 0; j < i; j++) {
					buckets[j].addTokens(amounts[j]);
				}
				return i;
			}
		}
		return -1;
	}

	/**
	 * Reconciles several buckets of this store after calls: a positive delta gives tokens back, a
	 * negative one takes them regardless of the limit (debt for usage above the demand).
	 * @param buckets buckets of this store
	 * @param deltas amounts, one per bucket; zero leaves a bucket alone
	 */
	default void adjustAll(Bucket[] buckets, long[] deltas) {
		for (int i = 0; i < buckets.length; i++) {
			if (deltas[i] > 0) {
				buckets[i].addTokens(deltas[i]);
			}
			else if (deltas[i] < 0) {
				buckets[i].consumeIgnoringRateLimits(-deltas[i]);
			}
		}
	}

	/**
	 * A hint that these buckets are about to be taken from or reconciled. A shared store may start
	 * reading their state now, so the read overlaps the budget step that comes first; the default
	 * does nothing.
	 * @param buckets buckets of this store
	 */
	default void prefetch(Bucket[] buckets) {
	}

	/** Whether {@link #prefetch} does anything, so callers can skip gathering the buckets when not. */
	default boolean prefetches() {
		return false;
	}

	/**
	 * Shares a limit the provider reported for a bucket key with every instance, so instances that
	 * have not heard from the provider yet run on it too. The default keeps nothing (one JVM).
	 * @param key the bucket's key
	 * @param limit the reported limit
	 */
	default void shareLearnedLimit(String key, long limit) {
	}

	/**
	 * The limit an instance reported for a bucket key ({@link #shareLearnedLimit}).
	 * @param key the bucket's key
	 * @return the limit, or {@code null} when none was shared (always, by default)
	 */
	default Long learnedLimit(String key) {
		return null;
	}

	/** Whether {@link #learnedLimit} can answer anything, so callers can skip asking when not. */
	default boolean sharesLearnedLimits() {
		return false;
	}

	/**
	 * Gives a bucket a new configuration at runtime, keeping what was used in its window
	 * ({@link BucketReplacement#keepUsed}). Buckets of this JVM are reconfigured in place; a shared
	 * store may answer another bucket (one per configuration), which the instance that made the change
	 * carries the state over to, and the others just switch to.
	 * @param key the bucket's key
	 * @param current the bucket in use
	 * @param currentCapacity its capacity now
	 * @param configuration the new configuration (one bandwidth)
	 * @param carryOver whether this instance carries a shared state over (it made the change); buckets
	 * of this JVM always carry their own state over
	 * @return the bucket to use from now on
	 */
	default Bucket reconfigure(String key, Bucket current, long currentCapacity, BucketConfiguration configuration,
			boolean carryOver) {
		BucketReplacement.keepUsed(current, currentCapacity, configuration);
		return current;
	}

	/**
	 * The concurrency slots behind a {@code max-concurrent} cap, when the store shares them between
	 * instances; the default, {@code null}, counts the cap in this JVM only.
	 * @param key a stable key such as {@code provider:openai:max-concurrent}
	 * @return the shared slots, or {@code null}
	 */
	default SharedSlots sharedSlots(String key) {
		return null;
	}

	/**
	 * One bucket operation: the take reports what remains, atomically with it; a take that leaves less
	 * than the kept share is given back.
	 */
	private static boolean tryTake(Bucket bucket, long amount, long keep) {
		if (keep <= 0) {
			return bucket.tryConsume(amount);
		}
		ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(amount);
		if (!probe.isConsumed()) {
			return false;
		}
		if (probe.getRemainingTokens() < keep) {
			bucket.addTokens(amount);
			return false;
		}
		return true;
	}

}

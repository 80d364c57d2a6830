package dev.llmguard.core.limit;

import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.TokensInheritanceStrategy;

/**
 * Replaces a bucket's configuration at runtime so that what was used in its window stays used:
 * Bucket4j's {@link TokensInheritanceStrategy#ADDITIVE} (a raised capacity adds the difference to
 * what is available), and, when the capacity is lowered, the part of the usage that ADDITIVE forgets
 * is taken as debt. Either way {@code available = new capacity - used}.
 */
final class BucketReplacement {

	/** The strategy every runtime change uses. */
	static final TokensInheritanceStrategy STRATEGY = TokensInheritanceStrategy.ADDITIVE;

	private BucketReplacement() {
	}

	/**
	 * Gives a single-limit bucket a new configuration, keeping what was used.
	 * @param bucket the bucket
	 * @param oldCapacity its capacity before the change
	 * @param configuration the new configuration (one bandwidth)
	 */
	static void keepUsed(Bucket bucket, long oldCapacity, BucketConfiguration configuration) {
		long newCapacity = configuration.getBandwidths()[0].getCapacity();
		long available = bucket.getAvailableTokens();
		bucket.replaceConfiguration(configuration, STRATEGY);
		if (newCapacity < oldCapacity) {
			// ADDITIVE only caps what is available at the new capacity; the rest of the usage stays as debt
			long used = Math.max(0, oldCapacity - available);
			long debt = Math.min(oldCapacity - newCapacity, used);
			if (debt > 0) {
				bucket.consumeIgnoringRateLimits(debt);
			}
		}
	}

}

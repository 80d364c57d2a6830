package dev.llmguard.core.limit;

import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import dev.llmguard.core.time.GuardClock;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.TimeMeter;
import io.github.bucket4j.local.LocalBucket;
import io.github.bucket4j.local.LocalBucketBuilder;

/**
 * Buckets in this JVM: lock-free Bucket4j buckets that read time from a {@link GuardClock}, so tests
 * move time instead of sleeping. The map is bounded by configuration because keys are built from
 * provider, model, tool and limit names only.
 */
public final class LocalBucketStore implements BucketStore {

	private final ConcurrentHashMap<String, LocalBucket> buckets = new ConcurrentHashMap<>();

	private final TimeMeter timeMeter;

	/**
	 * A store whose buckets refill by the given clock.
	 * @param clock the clock of the engine
	 */
	public LocalBucketStore(GuardClock clock) {
		this.timeMeter = new ClockTimeMeter(Objects.requireNonNull(clock, "clock"));
	}

	/**
	 * The bucket for a key. When the key exists with another configuration (settings changed), the
	 * bucket takes the new configuration and keeps what was consumed, like the Redis backend would.
	 */
	@Override
	public Bucket bucket(String key, Supplier<BucketConfiguration> configuration) {
		LocalBucket existing = this.buckets.get(key);
		if (existing == null) {
			return this.buckets.computeIfAbsent(key, (k) -> build(configuration.get()));
		}
		BucketConfiguration wanted = configuration.get();
		if (!existing.getConfiguration().equals(wanted)) {
			existing.replaceConfiguration(wanted, io.github.bucket4j.TokensInheritanceStrategy.AS_IS);
		}
		return existing;
	}

	@Override
	public String backend() {
		return "memory";
	}

	private LocalBucket build(BucketConfiguration configuration) {
		LocalBucketBuilder builder = Bucket.builder().withCustomTimePrecision(this.timeMeter);
		for (Bandwidth bandwidth : configuration.getBandwidths()) {
			builder.addLimit(bandwidth);
		}
		return builder.build();
	}

	/** Bucket4j time from the engine's clock; wall-clock based so it matches the Redis backend. */
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

package dev.llmguard.core.limit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import dev.llmguard.core.time.ManualGuardClock;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;

class LocalBucketStoreTest {

	private final ManualGuardClock clock = new ManualGuardClock();

	private final LocalBucketStore store = new LocalBucketStore(this.clock);

	private static BucketConfiguration perMinute(long capacity) {
		return BucketConfiguration.builder()
			.addLimit(Bandwidth.builder().capacity(capacity).refillGreedy(capacity, Duration.ofMinutes(1)).build())
			.build();
	}

	@Test
	void bucketsRefillByTheEnginesClock() {
		Bucket bucket = this.store.bucket("provider:openai:requests-per-minute", () -> perMinute(60));
		assertThat(bucket.tryConsume(60)).isTrue();
		assertThat(bucket.tryConsume(1)).isFalse();

		this.clock.advance(Duration.ofSeconds(10));

		assertThat(bucket.getAvailableTokens()).isEqualTo(10);
	}

	@Test
	void aKeyIsOneBucket() {
		Bucket first = this.store.bucket("tool:search", () -> perMinute(5));
		first.tryConsume(2);

		Bucket second = this.store.bucket("tool:search", () -> perMinute(5));

		assertThat(second).isSameAs(first);
		assertThat(second.getAvailableTokens()).isEqualTo(3);
		assertThat(this.store.backend()).isEqualTo("memory");
	}

	@Test
	void aChangedConfigurationKeepsWhatWasConsumed() {
		this.store.bucket("tool:search", () -> perMinute(5)).tryConsume(2);

		Bucket bucket = this.store.bucket("tool:search", () -> perMinute(10));

		assertThat(bucket.getAvailableTokens()).isEqualTo(3);
		this.clock.advance(Duration.ofMinutes(1));
		assertThat(bucket.getAvailableTokens()).isEqualTo(10);
	}

}

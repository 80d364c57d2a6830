package dev.llmguard.redis;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RedisKeysTests {

	@Test
	void numbersAreWrittenAsTheDecimalsRedisReads() {
		for (long value : new long[] { 0, 7, 10, -1, -10, 1_764_640_000_000L, 9_007_199_254_740_993L, Long.MAX_VALUE,
				Long.MIN_VALUE }) {
			assertThat(new String(RedisKeys.number(value), StandardCharsets.US_ASCII)).isEqualTo(Long.toString(value));
		}
	}

	@Test
	void concatenatesAPrefixAndAnId() {
		assertThat(new String(RedisKeys.concat(RedisKeys.bytes("p:{p}:rsv:"), RedisKeys.bytes("id-1")),
				StandardCharsets.UTF_8)).isEqualTo("p:{p}:rsv:id-1");
	}

	@Test
	void anIdFromTheBackendNeedsNoDigestInAKey() {
		RedisKeys keys = new RedisKeys("p");
		String id = "AbC-_09xyz" + "-" + Long.toString(123_456, 36);
		assertThat(keys.reservation(id)).isEqualTo(keys.reservationPrefix() + id);
	}

}

package dev.llmguard.core.budget;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

import dev.llmguard.core.time.ManualGuardClock;

import static org.assertj.core.api.Assertions.assertThat;

class ClockTickerTests {

	private final ManualGuardClock clock = new ManualGuardClock(Instant.parse("2026-11-22T10:00:00Z"));

	private final ClockTicker ticker = new ClockTicker(this.clock);

	@Test
	void readsTheClockInNanosecondsSinceItWasMade() {
		this.clock.advance(Duration.ofSeconds(3));

		assertThat(this.ticker.read()).isEqualTo(3_000_000_000L);
		assertThat(this.ticker.until(Instant.parse("2026-11-22T10:00:05Z"), this.ticker.read()))
			.isEqualTo(2_000_000_000L);
		assertThat(this.ticker.until(null, 0)).isEqualTo(Long.MAX_VALUE);
	}

}

package dev.llmguard.core.budget;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import dev.llmguard.core.ManualGuardClock;

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

	@Test
	void aFrozenTickerAnswersTheFreezingThreadWithoutAskingTheClockAndOthersWithTheClock() throws Exception {
		this.ticker.freeze(this.clock.instant().plusSeconds(1));
		this.clock.advance(Duration.ofSeconds(10));

		assertThat(this.ticker.read()).isEqualTo(1_000_000_000L);
		assertThat(CompletableFuture.supplyAsync(this.ticker::read).get()).isEqualTo(10_000_000_000L);

		this.ticker.thaw();

		assertThat(this.ticker.read()).isEqualTo(10_000_000_000L);
	}

}

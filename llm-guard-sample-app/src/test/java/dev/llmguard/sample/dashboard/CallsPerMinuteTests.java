package dev.llmguard.sample.dashboard;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class CallsPerMinuteTests {

	private static final Instant TEN = Instant.parse("2026-01-05T10:00:00Z");

	private final CallsPerMinute calls = new CallsPerMinute();

	@Test
	void countsEachMinuteByOutcomeOldestFirst() {
		this.calls.record(TEN.plusSeconds(5), "success");
		this.calls.record(TEN.plusSeconds(59), "success");
		this.calls.record(TEN.plusSeconds(61), "rate_limited");

		CallsPerMinute.Series hour = this.calls.lastHour(TEN.plusSeconds(90));

		assertThat(hour.from()).isEqualTo(TEN.minus(Duration.ofMinutes(58)));
		assertThat(hour.outcomes()).containsOnlyKeys(CallsPerMinute.OUTCOMES);
		assertThat(hour.outcomes().get("success")[58]).isEqualTo(2);
		assertThat(hour.outcomes().get("rate_limited")[59]).isEqualTo(1);
		assertThat(hour.outcomes().get("success")[59]).isZero();
	}

	@Test
	void forgetsMinutesOlderThanAnHourAndReusesTheirSlots() {
		this.calls.record(TEN, "success");
		this.calls.record(TEN.plus(Duration.ofMinutes(60)), "failed");

		CallsPerMinute.Series hour = this.calls.lastHour(TEN.plus(Duration.ofMinutes(60)));

		assertThat(hour.outcomes().get("success")).containsOnly(0);
		assertThat(hour.outcomes().get("failed")[59]).isEqualTo(1);
		// a call that ends late, for a minute the ring no longer holds, is dropped rather than counted in the new one
		this.calls.record(TEN, "success");
		assertThat(this.calls.lastHour(TEN.plus(Duration.ofMinutes(60))).outcomes().get("success")).containsOnly(0);
	}

	@Test
	void anOutcomeItDoesNotKnowIsCountedAsOther() {
		this.calls.record(TEN, "shadowed_something");

		assertThat(this.calls.lastHour(TEN).outcomes().get(CallsPerMinute.OTHER)[59]).isEqualTo(1);
	}

}

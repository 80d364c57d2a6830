package dev.llmguard.core.limit;

import static dev.llmguard.core.limit.LimitFixtures.GPT_4O;
import static dev.llmguard.core.limit.LimitFixtures.NORMAL;
import static dev.llmguard.core.limit.LimitFixtures.openai;
import static dev.llmguard.core.limit.LimitFixtures.requestsPerMinute;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.llmguard.core.config.GuardSettings;
import dev.llmguard.core.config.PriorityReserve;
import dev.llmguard.core.time.ManualGuardClock;

/**
 * A bucket that dropped to what the provider reported remaining (a key shared with others) stays
 * there until the reset the provider reported; then its own refill resumes.
 */
class HeldDropTest {

	private static final Duration NO_WAIT = Duration.ZERO;

	private final ManualGuardClock clock = new ManualGuardClock();

	/** 60 requests per minute, headroom 1 and no priority reserve: one request a second comes back. */
	private final RateLimiters limiters = new RateLimiters(GuardSettings.builder()
		.headroom(1.0)
		.priorityReserve(PriorityReserve.NONE)
		.provider(openai(requestsPerMinute(60), null))
		.build(), new LocalBucketStore(this.clock), this.clock);

	@Test
	void noCapacityComesBackBeforeTheReportedReset() throws InterruptedException {
		Instant reset = this.clock.instant().plusSeconds(30);
		report(10, reset);
		assertThat(available()).isEqualTo(10);

		this.clock.advance(Duration.ofSeconds(29));

		assertThat(available()).isEqualTo(10); // the bucket's own refill would have brought 29 back
		for (int i = 0; i < 10; i++) {
			take().release();
		}
		assertThatExceptionOfType(NoCapacityException.class).isThrownBy(this::take)
			.satisfies((ex) -> assertThat(ex.retryAfter()).isGreaterThanOrEqualTo(Duration.ofSeconds(1)));
	}

	@Test
	void afterTheResetTheBucketsOwnRefillResumesFromWhatTheHoldLeft() throws InterruptedException {
		report(10, this.clock.instant().plusSeconds(30));
		for (int i = 0; i < 4; i++) {
			take().release();
		}

		this.clock.advance(Duration.ofSeconds(35));

		assertThat(available()).isEqualTo(6 + 5); // left at the reset, plus five seconds of refill
		this.clock.advance(Duration.ofMinutes(2));
		assertThat(available()).isEqualTo(60);
	}

	@Test
	void aWaitingCallIsToldTheReset() {
		report(0, this.clock.instant().plusSeconds(40));

		assertThatExceptionOfType(NoCapacityException.class).isThrownBy(this::take)
			.satisfies((ex) -> assertThat(ex.retryAfter()).isBetween(Duration.ofSeconds(40), Duration.ofSeconds(42)));
	}

	@Test
	void aLaterReportReplacesTheHeldFigureButNeverLiftsTheBucketAboveTheDeclaredLimit() {
		report(10, this.clock.instant().plusSeconds(30));
		this.clock.advance(Duration.ofSeconds(5));

		report(30, this.clock.instant().plusSeconds(30));
		assertThat(available()).isEqualTo(15); // the bucket itself holds 10 + 5 s of refill

		report(500, this.clock.instant().plusSeconds(30));
		assertThat(available()).isLessThanOrEqualTo(60);
	}

	@Test
	void aReportWithoutResetDropsTheBucketWhichThenRefillsAsBefore() {
		report(10, null);
		this.clock.advance(Duration.ofSeconds(5));

		assertThat(available()).isEqualTo(15);
	}

	private void report(long remaining, Instant resetsAt) {
		this.limiters.learn(GPT_4O, new ReportedLimits(this.clock.instant(),
				Map.of(ReportedLimits.REQUESTS, new ReportedLimits.Reading(60L, remaining, resetsAt)), null));
	}

	private RatePermit take() throws InterruptedException {
		return this.limiters.acquire(GPT_4O, new Demand(10, 10), NORMAL, NO_WAIT);
	}

	private long available() {
		return this.limiters.snapshot("openai").limits().get("requests-per-minute").available();
	}

}

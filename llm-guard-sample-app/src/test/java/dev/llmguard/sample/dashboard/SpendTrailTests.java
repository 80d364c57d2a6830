package dev.llmguard.sample.dashboard;

import java.time.Duration;
import java.time.Instant;

import dev.llmguard.core.budget.BudgetUsage;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SpendTrailTests {

	private static final Instant MIDNIGHT = Instant.parse("2026-01-05T00:00:00Z");

	private static final Instant NEXT_MIDNIGHT = MIDNIGHT.plus(Duration.ofDays(1));

	private final SpendTrail trail = new SpendTrail();

	@Test
	void keepsTheLatestSpendOfEachFiveMinutesOfTheDay() {
		this.trail.record(usage(MIDNIGHT, NEXT_MIDNIGHT, 100), at(10, 0));
		this.trail.record(usage(MIDNIGHT, NEXT_MIDNIGHT, 150), at(10, 4));
		this.trail.record(usage(MIDNIGHT, NEXT_MIDNIGHT, 300), at(10, 5));

		assertThat(this.trail.points(NEXT_MIDNIGHT, at(10, 6))).extracting(SpendTrail.Point::costNanos)
			.containsExactly(150L, 300L);
	}

	@Test
	void aNewPeriodStartsEmpty() {
		this.trail.record(usage(MIDNIGHT, NEXT_MIDNIGHT, 100), at(23, 0));
		Instant later = NEXT_MIDNIGHT.plus(Duration.ofDays(1));
		this.trail.record(usage(NEXT_MIDNIGHT, later, 7), NEXT_MIDNIGHT.plusSeconds(60));

		assertThat(this.trail.points(later, NEXT_MIDNIGHT.plusSeconds(90))).extracting(SpendTrail.Point::costNanos)
			.containsExactly(7L);
	}

	@Test
	void holdsAtMostOneDayOfSlotsForABudgetThatNeverResets() {
		for (int slot = 0; slot < SpendTrail.SLOTS + 10; slot++) {
			this.trail.record(usage(Instant.EPOCH, null, slot), MIDNIGHT.plus(SpendTrail.UNPERIODIC_SLOT.multipliedBy(slot)));
		}
		Instant now = MIDNIGHT.plus(SpendTrail.UNPERIODIC_SLOT.multipliedBy(SpendTrail.SLOTS + 9));

		assertThat(this.trail.points(null, now)).hasSize(SpendTrail.SLOTS)
			.extracting(SpendTrail.Point::costNanos)
			.startsWith(10L)
			.endsWith((long) SpendTrail.SLOTS + 9);
	}

	private static Instant at(int hour, int minute) {
		return MIDNIGHT.plus(Duration.ofHours(hour).plusMinutes(minute));
	}

	private static BudgetUsage usage(Instant periodStart, Instant resetsAt, long costNanos) {
		return new BudgetUsage("daily-spend", "", costNanos, 0, costNanos / 10, 0, periodStart, resetsAt);
	}

}

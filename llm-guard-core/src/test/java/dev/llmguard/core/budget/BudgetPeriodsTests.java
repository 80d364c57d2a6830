package dev.llmguard.core.budget;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

import org.junit.jupiter.api.Test;

import dev.llmguard.core.config.BudgetPeriod;

import static org.assertj.core.api.Assertions.assertThat;

class BudgetPeriodsTests {

	private static final ZoneId UTC = ZoneOffset.UTC;

	private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

	@Test
	void hourStartsAtTheTopOfTheHour() {
		BudgetWindow window = BudgetPeriods.windowOf(BudgetPeriod.HOUR, Instant.parse("2026-11-22T10:17:42.5Z"), UTC);
		assertThat(window).isEqualTo(window("2026-11-22T10:00:00Z", "2026-11-22T11:00:00Z"));
	}

	@Test
	void hourFollowsHalfHourOffsets() {
		BudgetWindow window = BudgetPeriods.windowOf(BudgetPeriod.HOUR, Instant.parse("2026-11-22T10:17:00Z"),
				ZoneId.of("Asia/Kolkata"));
		assertThat(window).isEqualTo(window("2026-11-22T09:30:00Z", "2026-11-22T10:30:00Z"));
	}

	@Test
	void theStartOfAPeriodBelongsToItAndTheEndToTheNext() {
		Instant midnight = Instant.parse("2026-11-23T00:00:00Z");
		assertThat(BudgetPeriods.windowOf(BudgetPeriod.DAY, midnight, UTC).start()).isEqualTo(midnight);
		assertThat(BudgetPeriods.windowOf(BudgetPeriod.DAY, midnight.minusNanos(1), UTC).end()).isEqualTo(midnight);
		assertThat(BudgetPeriods.windowOf(BudgetPeriod.DAY, midnight, UTC).contains(midnight)).isTrue();
		assertThat(BudgetPeriods.windowOf(BudgetPeriod.DAY, midnight.minusNanos(1), UTC).contains(midnight)).isFalse();
	}

	@Test
	void dayStartsAtLocalMidnight() {
		BudgetWindow window = BudgetPeriods.windowOf(BudgetPeriod.DAY, Instant.parse("2026-11-22T23:30:00Z"), BERLIN);
		// 23:30Z is already 00:30 on the 23rd in Berlin (UTC+1 in winter)
		assertThat(window).isEqualTo(window("2026-11-22T23:00:00Z", "2026-11-23T23:00:00Z"));
	}

	@Test
	void springForwardDayInBerlinLasts23Hours() {
		// 2026-03-29: clocks jump from 02:00 CET to 03:00 CEST
		BudgetWindow window = BudgetPeriods.windowOf(BudgetPeriod.DAY, Instant.parse("2026-03-29T12:00:00Z"), BERLIN);
		assertThat(window).isEqualTo(window("2026-03-28T23:00:00Z", "2026-03-29T22:00:00Z"));
		assertThat(Duration.between(window.start(), window.end())).isEqualTo(Duration.ofHours(23));
	}

	@Test
	void fallBackDayInBerlinLasts25Hours() {
		// 2026-10-25: clocks go back from 03:00 CEST to 02:00 CET
		BudgetWindow window = BudgetPeriods.windowOf(BudgetPeriod.DAY, Instant.parse("2026-10-25T12:00:00Z"), BERLIN);
		assertThat(window).isEqualTo(window("2026-10-24T22:00:00Z", "2026-10-25T23:00:00Z"));
		assertThat(Duration.between(window.start(), window.end())).isEqualTo(Duration.ofHours(25));
	}

	@Test
	void theRepeatedHourOfAFallBackIsTwoSeparateHourPeriods() {
		// 02:30 CEST (00:30Z) and 02:30 CET (01:30Z) read the same on the wall clock
		BudgetWindow first = BudgetPeriods.windowOf(BudgetPeriod.HOUR, Instant.parse("2026-10-25T00:30:00Z"), BERLIN);
		BudgetWindow second = BudgetPeriods.windowOf(BudgetPeriod.HOUR, Instant.parse("2026-10-25T01:30:00Z"), BERLIN);
		assertThat(first).isEqualTo(window("2026-10-25T00:00:00Z", "2026-10-25T01:00:00Z"));
		assertThat(second).isEqualTo(window("2026-10-25T01:00:00Z", "2026-10-25T02:00:00Z"));
	}

	@Test
	void hourAcrossSpringForwardEndsAtTheNextValidTopOfTheHour() {
		// 01:30 CET is 00:30Z; the next local hour is 03:00 CEST = 01:00Z
		BudgetWindow window = BudgetPeriods.windowOf(BudgetPeriod.HOUR, Instant.parse("2026-03-29T00:30:00Z"), BERLIN);
		assertThat(window).isEqualTo(window("2026-03-29T00:00:00Z", "2026-03-29T01:00:00Z"));
	}

	@Test
	void weekStartsOnMonday() {
		// 2026-11-22 is a Sunday: its week began on Monday the 16th
		BudgetWindow window = BudgetPeriods.windowOf(BudgetPeriod.WEEK, Instant.parse("2026-11-22T23:59:59Z"), UTC);
		assertThat(window).isEqualTo(window("2026-11-16T00:00:00Z", "2026-11-23T00:00:00Z"));
		BudgetWindow monday = BudgetPeriods.windowOf(BudgetPeriod.WEEK, Instant.parse("2026-11-23T00:00:00Z"), UTC);
		assertThat(monday.start()).isEqualTo(Instant.parse("2026-11-23T00:00:00Z"));
	}

	@Test
	void weekAcrossTheFallBackLasts169Hours() {
		BudgetWindow window = BudgetPeriods.windowOf(BudgetPeriod.WEEK, Instant.parse("2026-10-25T12:00:00Z"), BERLIN);
		assertThat(window).isEqualTo(window("2026-10-18T22:00:00Z", "2026-10-25T23:00:00Z"));
		assertThat(Duration.between(window.start(), window.end())).isEqualTo(Duration.ofHours(7 * 24 + 1));
	}

	@Test
	void monthStartsOnTheFirst() {
		assertThat(BudgetPeriods.windowOf(BudgetPeriod.MONTH, Instant.parse("2026-11-30T23:59:59.999Z"), UTC))
			.isEqualTo(window("2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z"));
		assertThat(BudgetPeriods.windowOf(BudgetPeriod.MONTH, Instant.parse("2026-12-31T12:00:00Z"), UTC))
			.isEqualTo(window("2026-12-01T00:00:00Z", "2027-01-01T00:00:00Z"));
	}

	@Test
	void februaryEndsOnTheLastDayOfTheMonthInLeapAndCommonYears() {
		assertThat(BudgetPeriods.windowOf(BudgetPeriod.MONTH, Instant.parse("2028-02-29T12:00:00Z"), UTC))
			.isEqualTo(window("2028-02-01T00:00:00Z", "2028-03-01T00:00:00Z"));
		assertThat(BudgetPeriods.windowOf(BudgetPeriod.MONTH, Instant.parse("2026-02-28T23:00:00Z"), UTC))
			.isEqualTo(window("2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z"));
	}

	@Test
	void monthInBerlinStartsAtLocalMidnightAcrossTheChangeToSummerTime() {
		// March starts in winter time (UTC+1) and April in summer time (UTC+2)
		assertThat(BudgetPeriods.windowOf(BudgetPeriod.MONTH, Instant.parse("2026-03-31T22:30:00Z"), BERLIN))
			.isEqualTo(window("2026-03-31T22:00:00Z", "2026-04-30T22:00:00Z"));
		assertThat(BudgetPeriods.windowOf(BudgetPeriod.MONTH, Instant.parse("2026-03-31T21:30:00Z"), BERLIN))
			.isEqualTo(window("2026-02-28T23:00:00Z", "2026-03-31T22:00:00Z"));
	}

	@Test
	void dayStartsAtTheFirstValidInstantWhereMidnightIsSkipped() {
		// Chile's spring change skips local midnight (00:00 becomes 01:00) on 2026-09-06
		ZoneId santiago = ZoneId.of("America/Santiago");
		BudgetWindow window = BudgetPeriods.windowOf(BudgetPeriod.DAY, Instant.parse("2026-09-06T12:00:00Z"), santiago);
		assertThat(window.start().atZone(santiago).toLocalTime().getHour()).isEqualTo(1);
		assertThat(Duration.between(window.start(), window.end())).isEqualTo(Duration.ofHours(23));
	}

	@Test
	void noneNeverResets() {
		assertThat(BudgetPeriods.windowOf(BudgetPeriod.NONE, Instant.parse("2026-11-22T10:00:00Z"), BERLIN))
			.isEqualTo(new BudgetWindow(Instant.EPOCH, null))
			.isSameAs(BudgetWindow.FOREVER);
	}

	private static BudgetWindow window(String start, String end) {
		return new BudgetWindow(Instant.parse(start), Instant.parse(end));
	}

}

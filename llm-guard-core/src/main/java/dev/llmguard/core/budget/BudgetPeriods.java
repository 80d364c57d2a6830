package dev.llmguard.core.budget;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.time.temporal.TemporalAdjusters;
import java.util.Objects;

import dev.llmguard.core.config.BudgetPeriod;

/**
 * Calendar arithmetic of budget periods. Periods follow the wall clock of a time zone, so a day is
 * 23 or 25 hours long on a daylight-saving change and a month is as long as the calendar says.
 */
public final class BudgetPeriods {

	private BudgetPeriods() {
	}

	/**
	 * The period of a budget that contains an instant.
	 * <ul>
	 * <li>{@code HOUR}: from the top of the local hour to the next one;</li>
	 * <li>{@code DAY}: from local midnight (or the first valid instant of the day where midnight is
	 * skipped by a daylight-saving change) to the next;</li>
	 * <li>{@code WEEK}: from Monday's start (ISO weeks) to the next Monday's;</li>
	 * <li>{@code MONTH}: from the start of the 1st to the start of the next month's 1st;</li>
	 * <li>{@code NONE}: {@link BudgetWindow#FOREVER}.</li>
	 * </ul>
	 * @param period the budget's period
	 * @param now the instant
	 * @param zone the time zone the calendar is read in
	 * @return the window {@code [start, end)} that contains {@code now}
	 */
	public static BudgetWindow windowOf(BudgetPeriod period, Instant now, ZoneId zone) {
		Objects.requireNonNull(period, "period");
		Objects.requireNonNull(now, "now");
		Objects.requireNonNull(zone, "zone");
		ZonedDateTime local = now.atZone(zone);
		LocalDate date = local.toLocalDate();
		return switch (period) {
			case NONE -> BudgetWindow.FOREVER;
			case HOUR -> hourOf(local);
			case DAY -> days(date, date.plusDays(1), zone);
			case WEEK -> {
				LocalDate monday = date.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
				yield days(monday, monday.plusWeeks(1), zone);
			}
			case MONTH -> {
				LocalDate first = date.withDayOfMonth(1);
				yield days(first, first.plusMonths(1), zone);
			}
		};
	}

	private static BudgetWindow hourOf(ZonedDateTime local) {
		// truncatedTo keeps the current offset, so the repeated hour of an autumn change is its own period
		ZonedDateTime start = local.truncatedTo(ChronoUnit.HOURS);
		// the next top of the hour on the local clock, found on the time line (one hour later in every
		// zone whose offsets change by whole hours)
		ZonedDateTime end = start.plusHours(1).truncatedTo(ChronoUnit.HOURS);
		if (!end.isAfter(local)) {
			end = start.plusHours(1);
		}
		return new BudgetWindow(start.toInstant(), end.toInstant());
	}

	private static BudgetWindow days(LocalDate from, LocalDate to, ZoneId zone) {
		// atStartOfDay handles zones whose midnight is skipped by a daylight-saving change
		return new BudgetWindow(from.atStartOfDay(zone).toInstant(), to.atStartOfDay(zone).toInstant());
	}

}

package dev.llmguard.sample.dashboard;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

import dev.llmguard.core.budget.BudgetUsage;

/**
 * One global budget's committed spend through its current period, for the dashboard's chart: the period
 * cut into {@value #SLOTS} equal slots (five minutes of a day), each keeping the latest spend seen in it.
 * A budget that never resets keeps the last {@value #SLOTS} slots of {@link #UNPERIODIC_SLOT}. Fixed
 * size whatever the traffic; a new period starts empty.
 */
final class SpendTrail {

	static final int SLOTS = 288;

	/** The slot of a budget with period {@code none}: 288 of them make the last day. */
	static final Duration UNPERIODIC_SLOT = Duration.ofMinutes(5);

	/** The slot number each slot holds, or -1 for none yet. */
	private final long[] slots = new long[SLOTS];

	private final Instant[] times = new Instant[SLOTS];

	private final long[] costNanos = new long[SLOTS];

	private final long[] tokens = new long[SLOTS];

	/** The start of the period the slots belong to; {@code null} before the first sample. */
	private Instant periodStart;

	SpendTrail() {
		Arrays.fill(this.slots, -1);
	}

	/** Keeps the spend of {@code usage}, read at {@code at}, as the latest of its slot. */
	synchronized void record(BudgetUsage usage, Instant at) {
		if (!usage.periodStart().equals(this.periodStart)) {
			Arrays.fill(this.slots, -1);
			this.periodStart = usage.periodStart();
		}
		long slot = slotOf(usage.resetsAt(), at);
		if (slot < 0) {
			return;
		}
		int index = (int) (slot % SLOTS);
		if (this.slots[index] > slot || (this.slots[index] == slot && this.times[index].isAfter(at))) {
			return; // a later sample is already there
		}
		this.slots[index] = slot;
		this.times[index] = at;
		this.costNanos[index] = usage.spentCostNanos();
		this.tokens[index] = usage.spentTokens();
	}

	/**
	 * The kept samples of the current period (of the last day for a budget that never resets), oldest first.
	 * @param resetsAt the end of the current period, or {@code null} when it never resets
	 * @param now the guard's clock
	 */
	synchronized List<Point> points(Instant resetsAt, Instant now) {
		if (this.periodStart == null) {
			return List.of();
		}
		long last = slotOf(resetsAt, now);
		List<Point> points = new ArrayList<>();
		for (int i = 0; i < SLOTS; i++) {
			long slot = this.slots[i];
			if (slot >= 0 && slot <= last && (resetsAt != null || slot > last - SLOTS)) {
				points.add(new Point(this.times[i], this.costNanos[i], this.tokens[i]));
			}
		}
		points.sort(Comparator.comparing(Point::time));
		return points;
	}

	private long slotOf(Instant resetsAt, Instant at) {
		if (resetsAt == null) {
			return Math.floorDiv(at.getEpochSecond(), UNPERIODIC_SLOT.toSeconds());
		}
		long period = Duration.between(this.periodStart, resetsAt).toMillis();
		long since = Duration.between(this.periodStart, at).toMillis();
		if (since < 0 || period <= 0) {
			return -1;
		}
		return Math.min(SLOTS - 1, since * SLOTS / period);
	}

	/**
	 * The committed spend at one instant.
	 *
	 * @param time when it was read
	 * @param costNanos committed cost in nano-dollars
	 * @param tokens committed tokens
	 */
	record Point(Instant time, long costNanos, long tokens) {
	}

}

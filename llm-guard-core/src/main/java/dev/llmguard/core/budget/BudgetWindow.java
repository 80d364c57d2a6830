package dev.llmguard.core.budget;

import java.time.Instant;
import java.util.Objects;

/**
 * One period of a budget: the half-open interval {@code [start, end)}. A budget that never resets
 * has the window {@code [Instant.EPOCH, null)}.
 *
 * @param start first instant of the period
 * @param end first instant after the period, or {@code null} when the period never ends
 */
public record BudgetWindow(Instant start, Instant end) {

	/** The window of a budget with period {@code none}. */
	public static final BudgetWindow FOREVER = new BudgetWindow(Instant.EPOCH, null);

	public BudgetWindow {
		Objects.requireNonNull(start, "start");
		if (end != null && !end.isAfter(start)) {
			throw new IllegalArgumentException("a budget window must end after it starts: " + start + " .. " + end);
		}
	}

	/** Whether the instant falls inside this window. */
	public boolean contains(Instant instant) {
		return !instant.isBefore(this.start) && (this.end == null || instant.isBefore(this.end));
	}

}

package dev.llmguard.core.model;

/**
 * Priority classes of calls. A call's priority is 1 (most urgent) to 10 (least urgent): 1-3 are
 * {@link #URGENT}, 4-7 {@link #NORMAL}, 8-10 {@link #LOW}.
 */
public enum Priority {

	URGENT, NORMAL, LOW;

	public static final int MOST_URGENT = 1;

	public static final int LEAST_URGENT = 10;

	/** Priority of a call that gives none. */
	public static final int DEFAULT = 5;

	/**
	 * The class of a numeric priority.
	 * @param priority 1 to 10
	 * @return the class
	 * @throws IllegalArgumentException outside 1..10
	 */
	public static Priority of(int priority) {
		if (priority < MOST_URGENT || priority > LEAST_URGENT) {
			throw new IllegalArgumentException(
					"priority must be between 1 (most urgent) and 10 (least urgent), was " + priority);
		}
		return (priority <= 3) ? URGENT : (priority <= 7) ? NORMAL : LOW;
	}

	/**
	 * A priority given loosely, as a request attribute or advisor parameter is: a number, its text, or
	 * nothing. The range is checked when the call is made.
	 * @param value the value, or {@code null} for {@link #DEFAULT}
	 * @param source what gave it, for the error ({@code "Request attribute llm-guard.priority"})
	 * @return the priority
	 * @throws IllegalArgumentException when the value is no number
	 */
	public static int parse(Object value, String source) {
		if (value == null) {
			return DEFAULT;
		}
		if (value instanceof Number number) {
			return number.intValue();
		}
		try {
			return Integer.parseInt(value.toString().trim());
		}
		catch (NumberFormatException ex) {
			throw new IllegalArgumentException(source + " must be a number from 1 to 10, was '" + value + "'");
		}
	}

	/** The name used in metric tags: {@code urgent}, {@code normal} or {@code low}. */
	public String tag() {
		return name().toLowerCase(java.util.Locale.ROOT);
	}

}

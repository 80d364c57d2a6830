package dev.llmguard.core.config;

/** What happens to a call that a budget cannot afford. */
public enum OnExceeded {

	/** The call fails with a {@code BudgetExceededException}. */
	REJECT,
	/** The call moves on to the next (cheaper) model of its chain; rejected when none is left. */
	DOWNGRADE

}

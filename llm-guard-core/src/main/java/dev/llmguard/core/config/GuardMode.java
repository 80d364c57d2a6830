package dev.llmguard.core.config;

/**
 * Whether the guard acts on its decisions or only counts them ({@code llm.guard.mode}, also per
 * provider, budget and tool).
 */
public enum GuardMode {

	/** Decisions act: calls wait, are rejected, downgraded, shrunk, retried and failed over. */
	ENFORCE,

	/**
	 * Decisions are only counted: nothing that reaches the provider changes, and accounting goes on as
	 * when enforcing (buckets may go into debt, budgets past their cap).
	 */
	SHADOW

}

package dev.llmguard.autoconfigure;

/** The in-memory backend ({@code llm.guard.memory.*}), used when {@code llm.guard.backend=memory}. */
public class MemoryBackendProperties {

	/**
	 * Tenant and session budget entries kept in memory, all budgets and periods together (global
	 * budgets and entries holding a reservation are not counted). Past it the least recently used
	 * entries are forgotten and start from zero again, with one warning; use the Redis backend for
	 * more tenants than fit.
	 */
	private int maxBudgetEntries = 100_000;

	public int getMaxBudgetEntries() {
		return this.maxBudgetEntries;
	}

	public void setMaxBudgetEntries(int maxBudgetEntries) {
		this.maxBudgetEntries = maxBudgetEntries;
	}

}

package dev.llmguard.actuate;

import java.util.Map;

/**
 * Whether the store of llm-guard's shared state (buckets, budgets, cooldowns) can be reached, for
 * the {@code llmGuard} health contributor. The Redis backend declares a bean that pings Redis;
 * without one the in-process backend is assumed, which is always up. Plain Java, so a backend can
 * implement it without the actuator on the classpath.
 */
public interface BackendHealth {

	/** The backend's name, as in {@code llm.guard.backend}: {@code memory} or {@code redis}. */
	String backend();

	/**
	 * Checks that the backend can be reached now (for Redis, a PING). Health is polled, so this must
	 * be quick and bounded in time.
	 * @return details worth showing, e.g. the server's version; empty when none
	 * @throws Exception when the backend cannot be reached: the health is then DOWN
	 */
	Map<String, Object> check() throws Exception;

	/** The in-process backend: always up. */
	static BackendHealth memory() {
		return InMemoryBackendHealth.INSTANCE;
	}

}

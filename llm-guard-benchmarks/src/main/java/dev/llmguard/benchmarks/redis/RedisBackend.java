package dev.llmguard.benchmarks.redis;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.llmguard.benchmarks.goodput.GuardedApp;
import dev.llmguard.test.redis.RedisServer;

/**
 * Whether llm-guard's Redis backend is on the class path, and the properties that point an
 * application at a {@link RedisServer} (llm-guard-test's: the {@code redis-server} on the {@code PATH},
 * or else the one embedded-redis ships). The backend arrives through auto-configuration
 * ({@code llm.guard.backend=redis}), so the benchmarks need no code of it.
 */
public final class RedisBackend {

	static final String BUCKET_STORE = "dev.llmguard.redis.RedisBucketStore";

	private RedisBackend() {
	}

	public static boolean isAvailable() {
		try {
			Class.forName(BUCKET_STORE, false, RedisBackend.class.getClassLoader());
			return true;
		}
		catch (ClassNotFoundException ex) {
			return false;
		}
	}

	/** Why the Redis parts cannot run here, or {@code null} when they can. */
	public static String unavailableReason() {
		if (!isAvailable()) {
			return "llm-guard's Redis backend (" + BUCKET_STORE + ") is not on this branch yet";
		}
		return null;
	}

	/** Properties of an application that keeps its limits and budgets in this Redis under this prefix. */
	public static Map<String, Object> properties(RedisServer redis, String keyPrefix) {
		Map<String, Object> properties = new LinkedHashMap<>();
		properties.put("llm.guard.backend", "redis");
		properties.put("llm.guard.redis.key-prefix", keyPrefix);
		properties.put("spring.data.redis.host", redis.host());
		properties.put("spring.data.redis.port", redis.port());
		return properties;
	}

	/** Fails unless the application really keeps its buckets and budgets in Redis. */
	public static void requireRedis(GuardedApp app) {
		String backend = app.engine().budgets().backend();
		if (!"redis".equals(backend)) {
			throw new IllegalStateException("the application's budget ledger is '" + backend
					+ "', not 'redis': is the Redis backend's auto-configuration active?");
		}
	}

}

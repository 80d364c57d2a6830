package dev.llmguard.redis;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;

import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import dev.llmguard.core.config.BudgetPeriod;
import dev.llmguard.core.config.BudgetScope;
import dev.llmguard.core.config.BudgetSpec;
import dev.llmguard.core.config.ModelPrice;
import dev.llmguard.core.config.ModelSpec;
import dev.llmguard.core.config.OnExceeded;
import dev.llmguard.core.config.ProviderSpec;
import dev.llmguard.core.config.RateLimits;
import dev.llmguard.core.model.ModelRef;

/** Settings, connections and a thread hammer for the Redis tests. */
final class RedisTestSupport {

	static final ModelRef GPT_4O = new ModelRef("openai", "gpt-4o");

	static final ModelRef GPT_4O_MINI = new ModelRef("openai", "gpt-4o-mini");

	static final Instant START = Instant.parse("2026-03-10T10:00:00Z");

	/** Generous for a loaded CI machine; outages show up at once anyway (connection refused). */
	static final Duration TIMEOUT = Duration.ofSeconds(2);

	private RedisTestSupport() {
	}

	static RateLimits limits(Long requestsPerMinute, Long tokensPerMinute) {
		return new RateLimits(requestsPerMinute, tokensPerMinute, null, null, null, null);
	}

	static ModelSpec model(ModelRef ref, RateLimits limits) {
		return new ModelSpec(ref, ModelPrice.of("2.50", null, "10.00"), 128_000, 16_384, limits);
	}

	static ProviderSpec openai(RateLimits limits, ModelSpec... models) {
		Map<String, ModelSpec> byName = new java.util.LinkedHashMap<>();
		for (ModelSpec model : models) {
			byName.put(model.ref().model(), model);
		}
		return new ProviderSpec("openai", null, limits, null, Duration.ZERO, byName);
	}

	static BudgetSpec tokenBudget(String name, BudgetScope scope, BudgetPeriod period, long maxTokens) {
		return new BudgetSpec(name, scope, period, null, maxTokens, 0.8, OnExceeded.REJECT);
	}

	static BudgetSpec costBudget(String name, BudgetScope scope, BudgetPeriod period, String maxUsd) {
		return new BudgetSpec(name, scope, period, new BigDecimal(maxUsd), null, 0.8, OnExceeded.REJECT);
	}

	static RedisGuardOptions options(String prefix, RedisFailureMode mode) {
		return RedisGuardOptions.DEFAULT.withKeyPrefix(prefix)
			.withOnFailure(mode)
			.withTimeout(TIMEOUT)
			.withRetryInterval(Duration.ofMillis(100));
	}

	/** The application's connection factory, as Spring Boot would build it from spring.data.redis.*. */
	static LettuceConnectionFactory connectionFactory(int port) {
		return connectionFactory(new RedisStandaloneConfiguration("127.0.0.1", port));
	}

	/** A connection factory that logs in as an ACL user. */
	static LettuceConnectionFactory connectionFactory(int port, String username, String password) {
		RedisStandaloneConfiguration configuration = new RedisStandaloneConfiguration("127.0.0.1", port);
		configuration.setUsername(username);
		configuration.setPassword(password);
		return connectionFactory(configuration);
	}

	private static LettuceConnectionFactory connectionFactory(RedisStandaloneConfiguration configuration) {
		LettuceConnectionFactory factory = new LettuceConnectionFactory(configuration,
				LettuceClientConfiguration.builder().commandTimeout(TIMEOUT).build());
		factory.afterPropertiesSet();
		factory.start();
		return factory;
	}

	/** A separate client of the test, to look at what the guard wrote. */
	static final class Inspector implements AutoCloseable {

		private final RedisClient client;

		private final StatefulRedisConnection<String, String> connection;

		Inspector(int port) {
			this.client = RedisClient.create(RedisURI.create("127.0.0.1", port));
			this.connection = this.client.connect();
		}

		RedisCommands<String, String> redis() {
			return this.connection.sync();
		}

		List<String> keys(String pattern) {
			return this.connection.sync().keys(pattern);
		}

		@Override
		public void close() {
			this.connection.close();
			this.client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
		}

	}

	/** Runs {@code task} {@code times} times on each of {@code threads} threads, all starting together. */
	static void hammer(int threads, int times, ThrowingTask task) throws Exception {
		ExecutorService pool = Executors.newFixedThreadPool(threads);
		try {
			CountDownLatch start = new CountDownLatch(1);
			List<Future<?>> futures = new ArrayList<>();
			for (int t = 0; t < threads; t++) {
				int thread = t;
				futures.add(pool.submit(() -> {
					start.await();
					for (int i = 0; i < times; i++) {
						try {
							task.run(thread, i);
						}
						catch (Exception | Error ex) {
							throw ex;
						}
						catch (Throwable ex) {
							throw new IllegalStateException(ex);
						}
					}
					return null;
				}));
			}
			start.countDown();
			for (Future<?> future : futures) {
				future.get(60, TimeUnit.SECONDS);
			}
		}
		finally {
			pool.shutdownNow();
		}
	}

	@FunctionalInterface
	interface ThrowingTask {

		void run(int thread, int iteration) throws Throwable;

	}

	/**
	 * Waits until the condition holds, asking every 50 ms, for what a test cannot be told of (Redis
	 * reachable again, a write sent without waiting done).
	 */
	static void eventually(BooleanSupplier condition, String what) throws InterruptedException {
		long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
		while (!condition.getAsBoolean()) {
			if (System.nanoTime() > deadline) {
				throw new AssertionError("timed out waiting until " + what);
			}
			Thread.sleep(50);
		}
	}

}

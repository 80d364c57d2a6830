/**
 * A real {@code redis-server} for tests of code guarded on llm-guard's Redis backend:
 * {@link dev.llmguard.test.redis.RedisServer} and the JUnit 5
 * {@link dev.llmguard.test.redis.RedisServerExtension}. The server on the {@code PATH} is preferred; the
 * optional test dependency {@code com.github.codemonstur:embedded-redis} supplies one otherwise.
 */
package dev.llmguard.test.redis;

package dev.llmguard.redis;

import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;

import dev.llmguard.core.change.LimitOverrides;

/**
 * Limits changed at runtime, shared by every instance: one hash under the key prefix
 * ({@code {prefix}:limit-overrides}), field = setting name, value = the value as text. It has no expiry:
 * a change holds until it is reset. Instances read it at start and poll it
 * ({@code llm.guard.redis.limits-refresh}).
 */
public final class RedisLimitOverrides implements LimitOverrides {

	private final RedisGuardBackend backend;

	public RedisLimitOverrides(RedisGuardBackend backend) {
		this.backend = Objects.requireNonNull(backend, "backend");
	}

	/** {@inheritDoc} {@code null} while Redis fails, so that what an instance applied stays. */
	@Override
	public Map<String, String> read() {
		Map<byte[], byte[]> hash = this.backend.callOrElse("limit overrides read",
				() -> this.backend.commands().hgetall(key()), () -> null);
		if (hash == null) {
			return null;
		}
		Map<String, String> values = new LinkedHashMap<>();
		hash.forEach((field, value) -> values.put(text(field), text(value)));
		return values;
	}

	/**
	 * {@inheritDoc}
	 * @throws IllegalStateException when Redis does not take it (the change is then refused)
	 */
	@Override
	public void write(Map<String, String> set, Collection<String> remove) {
		Boolean written = this.backend.callOrElse("limit overrides write", () -> {
			RedisClusterAsyncCommands<byte[], byte[]> redis = this.backend.commands();
			CompletionStage<?> removed = remove.isEmpty() ? CompletableFuture.completedFuture(null)
					: redis.hdel(key(), remove.stream().map(RedisKeys::bytes).toArray(byte[][]::new));
			return removed.thenCompose((ignored) -> {
				if (set.isEmpty()) {
					return CompletableFuture.completedFuture(Boolean.TRUE);
				}
				Map<byte[], byte[]> fields = new LinkedHashMap<>();
				set.forEach((name, value) -> fields.put(RedisKeys.bytes(name), RedisKeys.bytes(value)));
				return redis.hset(key(), fields).thenApply((count) -> Boolean.TRUE);
			});
		}, () -> Boolean.FALSE);
		if (!Boolean.TRUE.equals(written)) {
			throw new IllegalStateException(
					"Redis did not take the change of limits, so no instance changed; retry when Redis answers");
		}
	}

	@Override
	public boolean shared() {
		return true;
	}

	private byte[] key() {
		return RedisKeys.bytes(this.backend.keys().limitOverrides());
	}

	private static String text(byte[] bytes) {
		return new String(bytes, StandardCharsets.UTF_8);
	}

}

package dev.llmguard.redis;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

import dev.llmguard.core.cache.AnswerCache;
import dev.llmguard.core.config.AnswerCacheSpec;
import dev.llmguard.core.config.ChainSpec;

/**
 * Chains' last answers shared by every instance: one key per answer, expiring after the chain's ttl
 * (Redis expiry), and per chain an index by time of writing that keeps the chain within max-entries,
 * the oldest answers going first. A cache is a best effort: while Redis fails, in either failure mode,
 * answers are neither kept nor found, and the call goes on to the fallback response.
 */
public final class RedisAnswerCache implements AnswerCache {

	private final RedisGuardBackend backend;

	public RedisAnswerCache(RedisGuardBackend backend) {
		this.backend = Objects.requireNonNull(backend, "backend");
	}

	@Override
	public String get(ChainSpec chain, String key) {
		byte[] answerKey = RedisKeys.bytes(this.backend.keys().answer(chain.name(), key));
		byte[] answer = this.backend.callOrElse("answer read", () -> this.backend.commands().get(answerKey), () -> null);
		return (answer != null) ? new String(answer, StandardCharsets.UTF_8) : null;
	}

	@Override
	public void put(ChainSpec chain, String key, String answer) {
		AnswerCacheSpec spec = chain.cache();
		byte[][] keys = { RedisKeys.bytes(this.backend.keys().answer(chain.name(), key)),
				RedisKeys.bytes(this.backend.keys().answers(chain.name())) };
		byte[][] args = { RedisKeys.bytes(answer), RedisKeys.bytes(Long.toString(spec.ttl().toMillis())),
				RedisKeys.bytes(Long.toString(spec.maxEntries())) };
		this.backend.callQuietly("answer write", () -> this.backend.eval(BudgetScripts.PUT_ANSWER, keys, args));
	}

}

package dev.llmguard.core.cache;

import dev.llmguard.core.config.ChainSpec;

/**
 * Where chains keep their last good answers (in memory, or shared through Redis): answer text under a
 * key that is already a digest, never a prompt. Each chain's entries expire after its
 * {@link dev.llmguard.core.config.AnswerCacheSpec#ttl() ttl} and are bounded by its
 * {@link dev.llmguard.core.config.AnswerCacheSpec#maxEntries() max-entries}.
 */
public interface AnswerCache {

	/**
	 * The answer kept for a key, or {@code null} when there is none (never stored, expired or evicted).
	 * @param chain a chain with a cache
	 * @param key the digest of the call's key
	 */
	String get(ChainSpec chain, String key);

	/**
	 * Keeps an answer for a key, replacing the one kept before, for the chain's ttl.
	 * @param chain a chain with a cache
	 * @param key the digest of the call's key
	 * @param answer the answer text
	 */
	void put(ChainSpec chain, String key, String answer);

}

package dev.llmguard.test.simulator;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The simulator's prompt cache, as Anthropic describes its own: a prefix marked with
 * {@code cache_control} and at least {@link #MIN_TOKENS} long is written on first use and read by
 * later requests with the same model and prefix while it lives (five minutes or an hour, renewed by
 * each read). Bounded: the least recently used prefix is forgotten past {@link #MAX_ENTRIES}.
 */
final class PromptCache {

	/** The shortest prefix Anthropic caches for its Sonnet and Opus models; shorter ones are not cached. */
	static final int MIN_TOKENS = 1024;

	static final int MAX_ENTRIES = 1024;

	private final Map<Long, Long> expiries = new LinkedHashMap<>(16, 0.75f, true) {

		@Override
		protected boolean removeEldestEntry(Map.Entry<Long, Long> eldest) {
			return size() > MAX_ENTRIES;
		}

	};

	/**
	 * Reads a prefix, or writes it when it is not cached.
	 * @param key the prefix's key
	 * @param now the simulator's time in epoch milliseconds
	 * @param ttl how long the entry lives from now
	 * @return {@code true} when it was read, {@code false} when it was written
	 */
	synchronized boolean readOrWrite(long key, long now, Duration ttl) {
		Long expiry = this.expiries.get(key);
		boolean read = expiry != null && expiry > now;
		this.expiries.put(key, now + ttl.toMillis());
		return read;
	}

	synchronized void clear() {
		this.expiries.clear();
	}

}

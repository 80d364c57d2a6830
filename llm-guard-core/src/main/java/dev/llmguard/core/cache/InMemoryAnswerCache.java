package dev.llmguard.core.cache;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import dev.llmguard.core.config.AnswerCacheSpec;
import dev.llmguard.core.config.ChainSpec;
import dev.llmguard.core.time.GuardClock;

/**
 * Last answers kept in this JVM: one Caffeine cache per chain (chains come from configuration, so
 * their number is bounded), each bounded by the chain's max-entries and expiring its entries after
 * the chain's ttl, on the guard's clock.
 */
public final class InMemoryAnswerCache implements AnswerCache {

	private final GuardClock clock;

	private final long origin;

	private final Map<String, Cache<String, String>> chains = new ConcurrentHashMap<>();

	public InMemoryAnswerCache(GuardClock clock) {
		this.clock = clock;
		this.origin = clock.epochNanos();
	}

	@Override
	public String get(ChainSpec chain, String key) {
		return cacheOf(chain).getIfPresent(key);
	}

	@Override
	public void put(ChainSpec chain, String key, String answer) {
		cacheOf(chain).put(key, answer);
	}

	/** How many answers a chain keeps now, after evicting what is past its bound or expired. */
	public long size(ChainSpec chain) {
		Cache<String, String> cache = cacheOf(chain);
		cache.cleanUp();
		return cache.estimatedSize();
	}

	private Cache<String, String> cacheOf(ChainSpec chain) {
		AnswerCacheSpec spec = chain.cache();
		return this.chains.computeIfAbsent(chain.name(), (name) -> Caffeine.newBuilder()
			.maximumSize(spec.maxEntries())
			.expireAfterWrite(spec.ttl())
			// readings count from construction, far from overflow; tests move expiry by moving the clock
			.ticker(() -> this.clock.epochNanos() - this.origin)
			.executor(Runnable::run)
			.build());
	}

}

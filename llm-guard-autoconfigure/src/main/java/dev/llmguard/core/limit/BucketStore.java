package dev.llmguard.core.limit;

import java.util.function.Supplier;

import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;

/**
 * Where buckets live: in this JVM ({@link LocalBucketStore}) or shared (the Redis backend).
 * Keys come from configuration (provider, model, tool and limit names), never from user input.
 */
public interface BucketStore {

	/**
	 * The bucket for a key, created with the configuration on first use.
	 * @param key a stable key such as {@code provider:openai:tokens-per-minute}
	 * @param configuration the configuration of a new bucket
	 * @return the bucket
	 */
	Bucket bucket(String key, Supplier<BucketConfiguration> configuration);

	/** {@code memory} or {@code redis}. */
	String backend();

}

package dev.llmguard.core.limit;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;

import dev.llmguard.core.config.PriorityReserve;
import dev.llmguard.core.config.RateLimits;
import dev.llmguard.core.model.Priority;
import dev.llmguard.core.model.Usage;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;

/**
 * The bucket of one declared limit of a provider or a model, with its capacity after headroom and
 * the share of it that each priority class must leave to more urgent calls.
 */
final class LimitBucket {

	/** What a limit counts. */
	enum Measure {

		REQUESTS, TOKENS, INPUT_TOKENS, OUTPUT_TOKENS;

		long of(Demand demand) {
			return switch (this) {
				case REQUESTS -> 1;
				case TOKENS -> demand.totalTokens();
				case INPUT_TOKENS -> demand.inputTokens();
				case OUTPUT_TOKENS -> demand.outputTokens();
			};
		}

		long of(Usage usage) {
			return switch (this) {
				case REQUESTS -> 1;
				case TOKENS -> usage.totalTokens();
				case INPUT_TOKENS -> usage.inputTokens();
				case OUTPUT_TOKENS -> usage.outputTokens();
			};
		}

	}

	/** A limit that can be declared, by its property name. */
	record Definition(String name, Measure measure, Duration window, Function<RateLimits, Long> declared) {
	}

	/** Every declared limit, in the order of the properties. */
	static final List<Definition> DEFINITIONS = List.of(
			new Definition("requests-per-minute", Measure.REQUESTS, Duration.ofMinutes(1), RateLimits::requestsPerMinute),
			new Definition("tokens-per-minute", Measure.TOKENS, Duration.ofMinutes(1), RateLimits::tokensPerMinute),
			new Definition("input-tokens-per-minute", Measure.INPUT_TOKENS, Duration.ofMinutes(1),
					RateLimits::inputTokensPerMinute),
			new Definition("output-tokens-per-minute", Measure.OUTPUT_TOKENS, Duration.ofMinutes(1),
					RateLimits::outputTokensPerMinute),
			new Definition("requests-per-day", Measure.REQUESTS, Duration.ofDays(1), RateLimits::requestsPerDay),
			new Definition("tokens-per-day", Measure.TOKENS, Duration.ofDays(1), RateLimits::tokensPerDay));

	final String limit;

	final Measure measure;

	/** {@code null} for a provider-level limit. */
	final String model;

	/** {@code openai} or {@code openai/gpt-4o}, for messages. */
	final String owner;

	final long declared;

	final long capacity;

	final Bucket bucket;

	/** Tokens each priority class (by ordinal) must leave in the bucket. */
	private final long[] reserve;

	LimitBucket(Definition definition, String owner, String model, long declared, double headroom,
			PriorityReserve priorityReserve, BucketStore store, String key) {
		if (declared <= 0) {
			throw new IllegalArgumentException(
					definition.name() + " of " + owner + " must be positive, was " + declared);
		}
		this.limit = definition.name();
		this.measure = definition.measure();
		this.model = model;
		this.owner = owner;
		this.declared = declared;
		this.capacity = Math.max(1, BigDecimal.valueOf(declared)
			.multiply(BigDecimal.valueOf(headroom))
			.setScale(0, RoundingMode.FLOOR)
			.longValueExact());
		this.reserve = reserves(this.capacity, priorityReserve);
		long capacity = this.capacity;
		Duration window = definition.window();
		Bandwidth bandwidth;
		try {
			bandwidth = Bandwidth.builder().capacity(capacity).refillGreedy(capacity, window).id(definition.name()).build();
		}
		catch (IllegalArgumentException ex) {
			// Bucket4j refills at most one token per nanosecond; say which setting is out of reach
			throw new IllegalArgumentException(definition.name() + " of " + owner + " (" + declared
					+ ") is above what a bucket can count (one per nanosecond)", ex);
		}
		this.bucket = store.bucket(key, () -> BucketConfiguration.builder().addLimit(bandwidth).build());
	}

	/**
	 * Shares kept for more urgent classes, rounded up; never the whole capacity, so a tiny limit (a
	 * max-concurrent of 1) still lets every class through.
	 */
	static long[] reserves(long capacity, PriorityReserve priorityReserve) {
		long[] reserve = new long[Priority.values().length];
		for (Priority priority : Priority.values()) {
			long share = BigDecimal.valueOf(capacity)
				.multiply(BigDecimal.valueOf(priorityReserve.reservedFor(priority)))
				.setScale(0, RoundingMode.CEILING)
				.longValueExact();
			reserve[priority.ordinal()] = Math.max(0, Math.min(share, capacity - 1));
		}
		return reserve;
	}

	/** What a demand asks of this bucket; a retry asks only one request of request buckets. */
	long amount(Demand demand, boolean requestsOnly) {
		if (requestsOnly) {
			return (this.measure == Measure.REQUESTS) ? 1 : 0;
		}
		return this.measure.of(demand);
	}

	/**
	 * What must stay in the bucket after taking {@code amount} for a class; capped so that a call
	 * which fits the capacity can always pass when the bucket is full (it is delayed, never refused).
	 */
	long reserve(int priorityClass, long amount) {
		return Math.min(this.reserve[priorityClass], this.capacity - amount);
	}

	/** Nanoseconds until {@code amount} can be taken by the class, by refill alone. */
	long nanosUntil(long amount, int priorityClass) {
		return this.bucket.estimateAbilityToConsume(amount + reserve(priorityClass, amount)).getNanosToWaitForRefill();
	}

	long available() {
		return this.bucket.getAvailableTokens();
	}

	String describe() {
		return (this.model != null) ? this.owner + " " + this.limit : this.limit;
	}

}

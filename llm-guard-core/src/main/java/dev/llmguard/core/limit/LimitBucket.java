package dev.llmguard.core.limit;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

import dev.llmguard.core.config.PriorityReserve;
import dev.llmguard.core.config.RateLimits;
import dev.llmguard.core.model.Priority;
import dev.llmguard.core.model.Usage;
import dev.llmguard.core.time.GuardClock;
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

		/** The measure of a reported kind ({@link ReportedLimits#REQUESTS}, …), or {@code null}. */
		static Measure of(String kind) {
			return switch (kind) {
				case ReportedLimits.REQUESTS -> REQUESTS;
				case ReportedLimits.TOKENS -> TOKENS;
				case ReportedLimits.INPUT_TOKENS -> INPUT_TOKENS;
				case ReportedLimits.OUTPUT_TOKENS -> OUTPUT_TOKENS;
				default -> null;
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

	final Definition definition;

	/** {@code null} for a provider-level limit. */
	final String model;

	/** {@code openai} or {@code openai/gpt-4o}, for messages. */
	final String owner;

	/** The declared limit; 0 when none was declared (a limit to learn). Changed at runtime by {@link #redeclare}. */
	volatile long declared;

	/** What the bucket holds: the lower of declared x headroom and the learned limit; 0 until known. */
	volatile long capacity;

	/** The Bucket4j bucket; {@code null} while nothing is known of the limit. */
	volatile Bucket bucket;

	/** The limit the provider reported, 0 when none was. */
	private volatile long learned;

	/** The remaining count the provider reported last, -1 when none was; and when. */
	private volatile long reportedRemaining = -1;

	private volatile Instant reportedAt;

	/** What calls of this JVM took from this bucket and have not settled yet; striped, as every call writes it. */
	private final LongAdder inFlight = new LongAdder();

	private final AtomicBoolean warnedLower = new AtomicBoolean();

	/** Tokens each priority class (by ordinal) must leave in the bucket. */
	private volatile long[] reserve;

	private final double headroom;

	private final PriorityReserve priorityReserve;

	private final BucketStore store;

	private final String key;

	private final GuardClock clock;

	/** A drop to the provider's figure, held until the reset it reported; {@code null} when none. */
	private final AtomicReference<Hold> hold = new AtomicReference<>();

	LimitBucket(Definition definition, String owner, String model, long declared, double headroom,
			PriorityReserve priorityReserve, BucketStore store, String key, GuardClock clock) {
		if (declared <= 0) {
			throw new IllegalArgumentException(
					definition.name() + " of " + owner + " must be positive, was " + declared);
		}
		this.definition = definition;
		this.limit = definition.name();
		this.measure = definition.measure();
		this.model = model;
		this.owner = owner;
		this.declared = declared;
		this.headroom = headroom;
		this.priorityReserve = priorityReserve;
		this.store = store;
		this.key = key;
		this.clock = clock;
		install(declaredCapacity(), declared);
	}

	/** A limit with no declared number, learned from the provider's answers. */
	LimitBucket(Definition definition, String owner, double headroom, PriorityReserve priorityReserve,
			BucketStore store, String key, GuardClock clock) {
		this.definition = definition;
		this.limit = definition.name();
		this.measure = definition.measure();
		this.model = null;
		this.owner = owner;
		this.declared = 0;
		this.headroom = headroom;
		this.priorityReserve = priorityReserve;
		this.store = store;
		this.key = key;
		this.clock = clock;
		this.reserve = new long[Priority.values().length];
	}

	/** Builds (or finds, in a shared store) the bucket of a capacity refilled over the limit's window. */
	private void install(long capacity, long limit) {
		BucketConfiguration configuration = configuration(capacity, limit);
		this.reserve = reserves(capacity, this.priorityReserve);
		this.bucket = this.store.bucket(this.key, () -> configuration);
		this.capacity = capacity;
	}

	private BucketConfiguration configuration(long capacity, long limit) {
		Bandwidth bandwidth;
		try {
			bandwidth = Bandwidth.builder()
				.capacity(capacity)
				.refillGreedy(capacity, this.definition.window())
				.id(this.limit)
				.build();
		}
		catch (IllegalArgumentException ex) {
			// Bucket4j refills at most one token per nanosecond; say which setting is out of reach
			throw new IllegalArgumentException(this.limit + " of " + this.owner + " (" + limit
					+ ") is above what a bucket can count (one per nanosecond)", ex);
		}
		return BucketConfiguration.builder().addLimit(bandwidth).build();
	}

	/**
	 * The declared limit changed at runtime: the bucket takes the new capacity (the lower of the new
	 * limit x headroom and a learned limit) and keeps what was used ({@link BucketStore#reconfigure}).
	 * @param declared the new declared limit
	 * @param carryOver whether this instance carries a shared bucket's state over (it made the change)
	 */
	synchronized void redeclare(long declared, boolean carryOver) {
		if (declared <= 0) {
			throw new IllegalArgumentException(this.limit + " of " + this.owner + " must be positive, was " + declared);
		}
		if (this.declared == 0) {
			throw new IllegalArgumentException(this.limit + " of " + this.owner + " is learned, not declared");
		}
		long wanted = capacityFor(declared);
		BucketConfiguration configuration = configuration(wanted, declared);
		this.declared = declared;
		long current = this.capacity;
		if (wanted == current) {
			return;
		}
		this.bucket = this.store.reconfigure(this.key, this.bucket, current, configuration, carryOver);
		this.reserve = reserves(wanted, this.priorityReserve);
		this.capacity = wanted;
	}

	/** What the bucket holds for a declared limit: declared x headroom, or the learned limit when lower. */
	private long capacityFor(long declared) {
		long byDeclared = Math.max(1, BigDecimal.valueOf(declared)
			.multiply(BigDecimal.valueOf(this.headroom))
			.setScale(0, RoundingMode.FLOOR)
			.longValueExact());
		long learned = this.learned;
		return (learned > 0) ? Math.min(byDeclared, learned) : byDeclared;
	}

	/** Whether nothing is known of this limit yet: calls do not take from it. */
	boolean unknown() {
		return this.capacity == 0;
	}

	/**
	 * The provider reported this limit: the bucket's capacity becomes the lower of the declared
	 * limit's and the reported one, never above the declared.
	 * @return {@code true} the first time a reported limit is lower than the declared one
	 */
	boolean learnLimit(long reported) {
		if (reported <= 0 || reported == this.learned) {
			return false;
		}
		this.learned = reported;
		this.store.shareLearnedLimit(this.key, reported);
		long wanted = (this.declared > 0) ? Math.min(declaredCapacity(), reported) : reported;
		if (wanted != this.capacity) {
			install(wanted, reported);
		}
		return this.declared > 0 && reported < this.declared && this.warnedLower.compareAndSet(false, true);
	}

	/** Picks up a limit another instance learned (shared stores only). */
	void refreshLearned() {
		Long shared = this.store.learnedLimit(this.key);
		if (shared != null && shared > 0 && shared != this.learned) {
			learnLimit(shared);
		}
	}

	private long declaredCapacity() {
		return Math.max(1, BigDecimal.valueOf(this.declared)
			.multiply(BigDecimal.valueOf(this.headroom))
			.setScale(0, RoundingMode.FLOOR)
			.longValueExact());
	}

	/**
	 * The provider reported what remains: when that, less what this JVM's calls in flight will still
	 * take, is below what the bucket holds, the bucket drops to it (others draw from the same key) and
	 * stays there until the reset the provider reported: until then only what it reported may be taken,
	 * then the bucket's own refill resumes. A later report replaces the figure (the provider's numbers
	 * win over ours), but never lifts the bucket above its own level, so never above a declared limit.
	 * @param remaining what the provider reported remaining
	 * @param at when it answered
	 * @param resetsAt when the provider said the limit is whole again, or {@code null}
	 * @return the tokens taken out, 0 when none
	 */
	long learnRemaining(long remaining, Instant at, Instant resetsAt) {
		this.reportedRemaining = remaining;
		this.reportedAt = at;
		Bucket bucket = this.bucket;
		if (bucket == null) {
			return 0;
		}
		long now = this.clock.epochNanos();
		long target = remaining - Math.max(0, this.inFlight.sum());
		Hold held = holdAt(now);
		long excess = bucket.getAvailableTokens() - target;
		if (excess > 0) {
			this.store.adjustAll(new Bucket[] { bucket }, new long[] { -excess });
		}
		long until = (resetsAt != null) ? epochNanos(resetsAt) : Long.MIN_VALUE;
		if (until > now && (excess > 0 || held != null)) {
			this.hold.set(new Hold(until, target));
		}
		return Math.max(0, excess);
	}

	/**
	 * The hold in force now; one whose reset has passed ends here, and the bucket goes on from what it
	 * left, refilled at its own rate since the reset (the bucket itself kept refilling during the hold).
	 */
	Hold holdAt(long now) {
		Hold held = this.hold.get();
		if (held == null || now < held.untilNanos) {
			return held;
		}
		if (this.hold.compareAndSet(held, null)) {
			Bucket bucket = this.bucket;
			if (bucket != null) {
				long level = Math.min(this.capacity, Math.max(0, held.allowance.get()) + refillOver(now - held.untilNanos));
				long excess = bucket.getAvailableTokens() - level;
				if (excess > 0) {
					this.store.adjustAll(new Bucket[] { bucket }, new long[] { -excess });
				}
			}
		}
		return null;
	}

	/** Whether a drop may be held (cheap: no clock read). */
	boolean held() {
		return this.hold.get() != null;
	}

	/** What the bucket's own refill adds over a time, at most its capacity. */
	private long refillOver(long nanos) {
		long window = this.definition.window().toNanos();
		if (nanos <= 0) {
			return 0;
		}
		if (nanos >= window) {
			return this.capacity;
		}
		return BigDecimal.valueOf(this.capacity)
			.multiply(BigDecimal.valueOf(nanos))
			.divide(BigDecimal.valueOf(window), 0, RoundingMode.FLOOR)
			.longValueExact();
	}

	/** Nanoseconds the bucket's own refill takes to add an amount. */
	private long refillNanos(long amount) {
		if (amount <= 0) {
			return 0;
		}
		return BigDecimal.valueOf(this.definition.window().toNanos())
			.multiply(BigDecimal.valueOf(amount))
			.divide(BigDecimal.valueOf(Math.max(1, this.capacity)), 0, RoundingMode.CEILING)
			.longValueExact();
	}

	private static long epochNanos(Instant instant) {
		try {
			return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000_000L), instant.getNano());
		}
		catch (ArithmeticException ex) {
			return Long.MAX_VALUE;
		}
	}

	/** Gives back to (or, negative, takes from) the held figure, when a hold is in force. */
	void adjustHeld(long delta) {
		Hold held = holdAt(this.clock.epochNanos());
		if (held != null) {
			held.allowance.addAndGet(delta);
		}
	}

	/**
	 * A drop held until the provider's reset: what may still be taken from the bucket until then,
	 * whatever its own refill adds.
	 */
	static final class Hold {

		final long untilNanos;

		final AtomicLong allowance;

		Hold(long untilNanos, long allowance) {
			this.untilNanos = untilNanos;
			this.allowance = new AtomicLong(allowance);
		}

		/** Takes an amount when at least {@code keep} stays held after it. */
		boolean tryTake(long amount, long keep) {
			for (;;) {
				long left = this.allowance.get();
				if (left - amount < keep) {
					return false;
				}
				if (this.allowance.compareAndSet(left, left - amount)) {
					return true;
				}
			}
		}

		void giveBack(long amount) {
			this.allowance.addAndGet(amount);
		}

	}

	void tookInFlight(long amount) {
		this.inFlight.add(amount);
	}

	void settledInFlight(long amount) {
		this.inFlight.add(-amount);
	}

	/** The learned limit, {@code null} when none. */
	Long learned() {
		long learned = this.learned;
		return (learned > 0) ? learned : null;
	}

	/** The remaining count reported last, {@code null} when none. */
	Long reportedRemaining() {
		long remaining = this.reportedRemaining;
		return (remaining >= 0) ? remaining : null;
	}

	Instant reportedAt() {
		return this.reportedAt;
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
		if (this.capacity == 0) {
			return 0; // nothing known of this limit yet
		}
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

	/**
	 * Nanoseconds until {@code amount} can be taken by the class, by refill alone; while a drop is held
	 * and too little of it is left, not before the provider's reset.
	 */
	long nanosUntil(long amount, int priorityClass) {
		long needed = amount + reserve(priorityClass, amount);
		long now = this.clock.epochNanos();
		Hold held = holdAt(now);
		long own = this.bucket.estimateAbilityToConsume(needed).getNanosToWaitForRefill();
		if (held == null) {
			return own;
		}
		long missing = needed - held.allowance.get();
		if (missing <= 0) {
			return own;
		}
		return Math.max(own, held.untilNanos - now + refillNanos(missing));
	}

	long available() {
		Bucket bucket = this.bucket;
		if (bucket == null) {
			return 0;
		}
		Hold held = holdAt(this.clock.epochNanos()); // first: a hold that ends drains the bucket
		long available = bucket.getAvailableTokens();
		return (held != null) ? Math.max(0, Math.min(available, held.allowance.get())) : available;
	}

	String describe() {
		return (this.model != null) ? this.owner + " " + this.limit : this.limit;
	}

}

package dev.llmguard.core.limit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.llmguard.core.config.GuardSettings;
import dev.llmguard.core.config.LimitsMode;
import dev.llmguard.core.config.ModelSpec;
import dev.llmguard.core.config.PriorityReserve;
import dev.llmguard.core.config.ProviderSpec;
import dev.llmguard.core.config.RateLimits;
import dev.llmguard.core.event.GuardEvent;
import dev.llmguard.core.model.ModelRef;
import dev.llmguard.core.model.Priority;
import dev.llmguard.core.time.GuardClock;

/**
 * The rate limits of every configured provider and model: one bucket per declared limit, at
 * {@code headroom} of the declared number, refilled greedily over its minute or day, plus the
 * provider's concurrency cap.
 * <p>
 * {@link #acquire} takes one request and the demanded tokens from every bucket of the provider and
 * the model, and a concurrency slot, all or nothing. Without capacity a call waits up to its
 * maximum wait, in priority order, and calls of a lower priority class never take the share of a
 * bucket that {@code llm.guard.priority.reserve} keeps for more urgent ones. When nobody waits,
 * taking capacity is lock-free.
 */
public final class RateLimiters {

	private static final Logger logger = LoggerFactory.getLogger(RateLimiters.class);

	private final GuardSettings settings;

	private final Map<String, ProviderLimits> providers;

	/**
	 * Builds the buckets of every provider and of every model with model-level limits.
	 * @param settings the configuration
	 * @param store where buckets live
	 * @param clock the clock buckets refill by and waits are measured in
	 */
	public RateLimiters(GuardSettings settings, BucketStore store, GuardClock clock) {
		this.settings = Objects.requireNonNull(settings, "settings");
		Objects.requireNonNull(store, "store");
		Objects.requireNonNull(clock, "clock");
		Map<String, ProviderLimits> providers = new LinkedHashMap<>();
		for (ProviderSpec provider : new TreeMap<>(settings.providers()).values()) {
			providers.put(provider.name(), limitsOf(provider, settings, store, clock));
		}
		this.providers = Map.copyOf(providers);
	}

	private static ProviderLimits limitsOf(ProviderSpec provider, GuardSettings settings, BucketStore store,
			GuardClock clock) {
		PriorityReserve reserve = settings.priorityReserve();
		LimitBucket[] buckets = buckets(provider.limits(), provider.name(), null, "provider:" + provider.name(),
				settings, store, clock);
		if (provider.limitsMode() == LimitsMode.AUTO) {
			buckets = withLimitsToLearn(buckets, provider, settings, store, clock);
		}
		Map<String, LimitBucket[]> models = new LinkedHashMap<>();
		for (ModelSpec model : provider.models().values()) {
			String name = model.ref().model();
			LimitBucket[] modelBuckets = buckets(model.limits(), provider.name() + "/" + name, name,
					"model:" + provider.name() + "/" + name, settings, store, clock);
			if (modelBuckets.length > 0) {
				models.put(name, modelBuckets);
			}
		}
		ConcurrencyCap concurrency = new ConcurrencyCap(provider.maxConcurrent(), reserve,
				(provider.maxConcurrent() != null)
						? store.sharedSlots("provider:" + provider.name() + ":max-concurrent") : null);
		if (provider.limitsMode() == LimitsMode.AUTO) {
			concurrency.beCautious();
		}
		return new ProviderLimits(provider.name(), buckets, models, concurrency, clock, store,
				provider.limitsMode().learns());
	}

	/** Adds a bucket, empty of knowledge, for each per-minute limit the provider may report and none declared. */
	private static LimitBucket[] withLimitsToLearn(LimitBucket[] declared, ProviderSpec provider,
			GuardSettings settings, BucketStore store, GuardClock clock) {
		List<LimitBucket> buckets = new ArrayList<>(List.of(declared));
		for (LimitBucket.Definition definition : LimitBucket.DEFINITIONS) {
			boolean perMinute = definition.window().equals(Duration.ofMinutes(1));
			if (perMinute && definition.declared().apply(provider.limits()) == null) {
				buckets.add(new LimitBucket(definition, provider.name(), settings.headroom(),
						settings.priorityReserve(), store, "provider:" + provider.name() + ":" + definition.name(),
						clock));
			}
		}
		return buckets.toArray(ProviderLimits.NO_BUCKETS);
	}

	private static LimitBucket[] buckets(RateLimits limits, String owner, String model, String keyPrefix,
			GuardSettings settings, BucketStore store, GuardClock clock) {
		List<LimitBucket> buckets = new ArrayList<>();
		for (LimitBucket.Definition definition : LimitBucket.DEFINITIONS) {
			Long declared = definition.declared().apply(limits);
			if (declared != null) {
				buckets.add(new LimitBucket(definition, owner, model, declared, settings.headroom(),
						settings.priorityReserve(), store, keyPrefix + ":" + definition.name(), clock));
			}
		}
		return buckets.toArray(ProviderLimits.NO_BUCKETS);
	}

	/**
	 * Takes capacity for one call: a request and the demanded tokens from every bucket of the
	 * model's provider and of the model, and a concurrency slot. Waits up to {@code maxWait}, in
	 * priority order, when capacity is missing.
	 * @param model the model to call; a model without its own limits uses its provider's
	 * @param demand estimated input tokens and the output allowance
	 * @param priority 1 (most urgent) to 10
	 * @param maxWait longest wait ({@code CallRouting.maxWait}: the call's, the provider's or the default)
	 * @return the permit, to settle or release exactly once
	 * @throws NoCapacityException when no capacity came in time, or at once when the demand
	 * exceeds a limit's whole capacity
	 * @throws IllegalArgumentException for an unknown provider or a priority outside 1..10
	 * @throws InterruptedException when interrupted while waiting (nothing is held then)
	 */
	public RatePermit acquire(ModelRef model, Demand demand, int priority, Duration maxWait)
			throws InterruptedException {
		Objects.requireNonNull(demand, "demand");
		ProviderLimits provider = provider(model.provider());
		LimitBucket[] modelBuckets = provider.bucketsOf(model.model());
		checkFits(model, provider.buckets, demand);
		checkFits(model, modelBuckets, demand);
		long[] taken = new long[provider.buckets.length + modelBuckets.length];
		long waited = provider.take(model, modelBuckets, demand, false, priority, maxWaitNanos(provider, maxWait),
				taken);
		return new BucketPermit(provider, model, modelBuckets, demand, waited, taken);
	}

	/**
	 * Takes capacity for one call in shadow mode: at once, whatever the limits say. What the call uses
	 * is taken from every bucket as {@link #acquire} would, into debt where it is missing, so later
	 * calls see the capacity the provider really has left; a concurrency slot is held when one is free.
	 * @param model the model to call
	 * @param demand estimated input tokens and the output allowance
	 * @param priority 1 (most urgent) to 10
	 * @param maxWait the wait enforcing would have allowed, to tell a wait from a rejection
	 * @return the permit, and what enforcing would have done
	 * @throws IllegalArgumentException for an unknown provider or a priority outside 1..10
	 */
	public ShadowAdmission acquireShadowed(ModelRef model, Demand demand, int priority, Duration maxWait) {
		Objects.requireNonNull(demand, "demand");
		ProviderLimits provider = provider(model.provider());
		LimitBucket[] modelBuckets = provider.bucketsOf(model.model());
		String cannotFit = null;
		try {
			checkFits(model, provider.buckets, demand);
			checkFits(model, modelBuckets, demand);
		}
		catch (NoCapacityException ex) {
			cannotFit = ex.getMessage();
		}
		long[] taken = new long[provider.buckets.length + modelBuckets.length];
		ProviderLimits.ShadowTake take = provider.takeShadowed(modelBuckets, demand, priority,
				maxWaitNanos(provider, maxWait), taken, cannotFit);
		return new ShadowAdmission(new BucketPermit(provider, model, modelBuckets, demand, 0, taken, take.holdsSlot()),
				take.decision(), take.detail());
	}

	/**
	 * Starts reading the state of the buckets a call of this model would take from, where buckets are
	 * shared, so the read overlaps the budget step before {@link #acquire}. Unknown providers are
	 * ignored here ({@link #acquire} reports them).
	 * @param model the model about to be acquired
	 */
	public void prefetch(ModelRef model) {
		ProviderLimits provider = this.providers.get(model.provider());
		if (provider != null) {
			provider.prefetch(provider.bucketsOf(model.model()));
		}
	}

	/**
	 * Starts reading the state of the token buckets a permit gives back to or takes debt from, where
	 * buckets are shared, so the read overlaps the budget commit before {@link RatePermit#settle}.
	 * @param permit a permit of these rate limiters
	 */
	public void prefetch(RatePermit permit) {
		if (permit instanceof BucketPermit bucketPermit) {
			bucketPermit.provider.prefetchTokens(bucketPermit.modelBuckets);
		}
	}

	/**
	 * Counts one more attempt of a call against the request buckets of its provider and model,
	 * waiting like {@link #acquire} when they are empty.
	 * @param permit the call's permit
	 * @param priority 1 (most urgent) to 10
	 * @param maxWait longest wait ({@code CallRouting.maxWait}: the call's, the provider's or the default)
	 * @return {@code false} when no request capacity came in time
	 * @throws InterruptedException when interrupted while waiting
	 */
	public boolean acquireRetryRequest(RatePermit permit, int priority, Duration maxWait)
			throws InterruptedException {
		if (!(permit instanceof BucketPermit bucketPermit)) {
			throw new IllegalArgumentException("not a permit of these rate limiters: " + permit);
		}
		ProviderLimits provider = bucketPermit.provider;
		try {
			provider.take(bucketPermit.model, bucketPermit.modelBuckets, bucketPermit.demand, true, priority,
					maxWaitNanos(provider, maxWait));
			return true;
		}
		catch (NoCapacityException ex) {
			return false;
		}
	}

	/**
	 * Counts one request against the request buckets of a model's provider and of the model, without
	 * tokens or a concurrency slot, waiting like {@link #acquire} when they are empty: for a request
	 * sent inside a call that already holds the provider's slot, which must not wait for a second one.
	 * @param model the model (a model without its own limits counts against its provider's only)
	 * @param priority 1 (most urgent) to 10
	 * @param maxWait longest wait ({@code CallRouting.maxWait}: the call's, the provider's or the default)
	 * @throws NoCapacityException when no request capacity came in time
	 * @throws IllegalArgumentException for an unknown provider or a priority outside 1..10
	 * @throws InterruptedException when interrupted while waiting
	 */
	public void acquireRequest(ModelRef model, int priority, Duration maxWait) throws InterruptedException {
		ProviderLimits provider = provider(model.provider());
		provider.take(model, provider.bucketsOf(model.model()), new Demand(0, 0), true, priority,
				maxWaitNanos(provider, maxWait));
	}

	/**
	 * Learns from one answer of the provider (success or error) what it reported of its limits: a
	 * lower limit than the declared one is used from now on (one WARN, and an event with both numbers),
	 * a limit to learn becomes known, and a bucket holding more than the provider reports remaining
	 * (less what this instance's calls in flight will still take) drops to that. Never above a
	 * declared limit. Ignored for providers with {@code limits: fixed} and for unknown providers.
	 * Call it after the answer's permit was settled or released.
	 * @param model the model that answered
	 * @param report what the answer reported; {@code null} or empty when nothing
	 * @return events for what was learned (empty when nothing new)
	 */
	public List<GuardEvent> learn(ModelRef model, ReportedLimits report) {
		ProviderLimits provider = this.providers.get(model.provider());
		if (provider == null || !provider.learns) {
			return List.of();
		}
		if (report == null || report.readings().isEmpty()) {
			provider.answered();
			return List.of();
		}
		List<GuardEvent> events = new ArrayList<>(1);
		for (ProviderLimits.Learned learned : provider.learn(model, provider.bucketsOf(model.model()), report)) {
			LimitBucket bucket = learned.bucket();
			Long declared = (bucket.declared > 0) ? bucket.declared : null;
			if (learned.lowerThanDeclared()) {
				logger.warn("llm-guard: {} reports {} {}, lower than the {} declared; using {} from now on "
						+ "(lower the declared limit to silence this)", bucket.owner, bucket.limit,
						LimitMessages.count(learned.reported()), LimitMessages.count(bucket.declared),
						LimitMessages.count(learned.reported()));
			}
			else {
				logger.debug("llm-guard: {} reports {} {}", bucket.owner, bucket.limit, learned.reported());
			}
			events.add(new GuardEvent.LimitLearned(report.at(), model.provider(), bucket.model, bucket.limit,
					declared, learned.reported()));
		}
		return events;
	}

	/**
	 * How long refill alone would take before the buckets could give this demand to an urgent call;
	 * zero when they can now. Ignores the queue and the concurrency cap.
	 * @param model the model
	 * @param demand the demand
	 * @return the estimate
	 */
	public Duration estimatedWait(ModelRef model, Demand demand) {
		ProviderLimits provider = provider(model.provider());
		long nanos = Math.max(estimate(provider.buckets, demand), estimate(provider.bucketsOf(model.model()), demand));
		return Duration.ofNanos(nanos);
	}

	private static long estimate(LimitBucket[] buckets, Demand demand) {
		long nanos = 0;
		for (LimitBucket bucket : buckets) {
			long amount = bucket.amount(demand, false);
			if (amount > 0) {
				nanos = Math.max(nanos, bucket.nanosUntil(amount, Priority.URGENT.ordinal()));
			}
		}
		return nanos;
	}

	/**
	 * Whether a provider, or a model of it, has a bucket for a declared limit, which
	 * {@link #redeclare} can change.
	 * @param provider the provider
	 * @param model the model, or {@code null} for the provider's own limit
	 * @param limit the limit's name, e.g. {@code tokens-per-minute}
	 * @return {@code false} also for unknown providers and models
	 */
	public boolean hasDeclaredLimit(String provider, String model, String limit) {
		return declaredBucket(provider, model, limit) != null;
	}

	/**
	 * Changes a declared limit at runtime: the bucket takes the new capacity and keeps what was used in
	 * its window.
	 * @param provider the provider
	 * @param model the model, or {@code null} for the provider's own limit
	 * @param limit the limit's name, e.g. {@code tokens-per-minute}
	 * @param declared the new declared limit (headroom applies as at start)
	 * @param carryOver whether this instance carries a shared bucket's state over (it made the change)
	 * @throws IllegalArgumentException when there is no such declared limit, or the value is not positive
	 */
	public void redeclare(String provider, String model, String limit, long declared, boolean carryOver) {
		LimitBucket bucket = declaredBucket(provider, model, limit);
		if (bucket == null) {
			throw new IllegalArgumentException("No declared " + limit + " for " + provider
					+ ((model != null) ? "/" + model : "") + "; a limit can only be added with a restart");
		}
		bucket.redeclare(declared, carryOver);
		logger.debug("llm-guard: {} {} is now {}", bucket.owner, limit, declared);
	}

	/**
	 * Whether a provider has a {@code max-concurrent} cap, which {@link #resizeConcurrency} can change.
	 * @param provider the provider
	 * @return {@code false} also for unknown providers
	 */
	public boolean hasConcurrencyCap(String provider) {
		ProviderLimits limits = this.providers.get(provider);
		return limits != null && limits.concurrency.capped();
	}

	/**
	 * Changes a provider's {@code max-concurrent} at runtime; calls in flight keep their slots.
	 * @param provider the provider
	 * @param max the new cap
	 */
	public void resizeConcurrency(String provider, int max) {
		ProviderLimits limits = provider(provider);
		limits.concurrency.resize(max, this.settings.priorityReserve());
		limits.signalWaiters();
	}

	private LimitBucket declaredBucket(String provider, String model, String limit) {
		ProviderLimits limits = this.providers.get(provider);
		if (limits == null) {
			return null;
		}
		LimitBucket[] buckets = (model != null) ? limits.bucketsOf(model) : limits.buckets;
		for (LimitBucket bucket : buckets) {
			if (bucket.limit.equals(limit) && bucket.declared > 0) {
				return bucket;
			}
		}
		return null;
	}

	/**
	 * The limits of one provider, for the actuator endpoint and gauges.
	 * @param provider a configured provider
	 * @return capacity and availability of each limit, concurrency and the number of waiting calls
	 * @throws IllegalArgumentException for an unknown provider
	 */
	public LimitSnapshot snapshot(String provider) {
		return provider(provider).snapshot();
	}

	/**
	 * The limits of every provider.
	 * @return snapshots by provider name, in name order
	 */
	public Map<String, LimitSnapshot> snapshots() {
		Map<String, LimitSnapshot> snapshots = new TreeMap<>();
		this.providers.forEach((name, limits) -> snapshots.put(name, limits.snapshot()));
		return java.util.Collections.unmodifiableMap(snapshots);
	}

	private ProviderLimits provider(String name) {
		ProviderLimits provider = this.providers.get(name);
		if (provider == null) {
			throw new IllegalArgumentException("Unknown provider '" + name + "'; configured providers are "
					+ new TreeSet<>(this.providers.keySet()) + " (llm.guard.providers.*)");
		}
		return provider;
	}

	private static long maxWaitNanos(ProviderLimits provider, Duration maxWait) {
		return LimitMessages.nanos(Objects.requireNonNull(maxWait,
				() -> "no max wait for a call to " + provider.name + ": resolve it with CallRouting.maxWait"));
	}

	/** A demand above a limit's whole capacity would wait forever: refuse it at once and say why. */
	private void checkFits(ModelRef model, LimitBucket[] buckets, Demand demand) {
		for (LimitBucket bucket : buckets) {
			long amount = bucket.amount(demand, false);
			if (amount > bucket.capacity && !bucket.unknown()) {
				String unit = switch (bucket.measure) {
					case REQUESTS -> " requests";
					case TOKENS -> " tokens";
					case INPUT_TOKENS -> " input tokens";
					case OUTPUT_TOKENS -> " output tokens";
				};
				throw new NoCapacityException(model, Duration.ZERO,
						model + ": a call needing " + LimitMessages.count(amount) + unit + " can never pass "
								+ bucket.limit + " of " + bucket.owner + ", whose capacity is "
								+ LimitMessages.count(bucket.capacity) + " (" + LimitMessages.count(bucket.declared)
								+ " declared x headroom " + this.settings.headroom()
								+ "); lower the prompt or the max output tokens, or raise the limit");
			}
		}
	}

}

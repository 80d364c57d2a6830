package dev.llmguard.core.limit;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Objects;

import dev.llmguard.core.model.ModelRef;
import dev.llmguard.core.model.Usage;

/** A {@link RatePermit} on the buckets of {@link RateLimiters}; settles or releases exactly once. */
final class BucketPermit implements RatePermit {

	private static final VarHandle FINISHED;

	static {
		try {
			FINISHED = MethodHandles.lookup().findVarHandle(BucketPermit.class, "finished", int.class);
		}
		catch (ReflectiveOperationException ex) {
			throw new ExceptionInInitializerError(ex);
		}
	}

	final ProviderLimits provider;

	final ModelRef model;

	final LimitBucket[] modelBuckets;

	final Demand demand;

	private final long waitedNanos;

	/** What was taken from each bucket (provider's, then the model's), counted in flight until settled. */
	final long[] taken;

	/** Whether the permit holds a concurrency slot (a shadowed call past max-concurrent holds none). */
	private final boolean holdsSlot;

	/** 1 once settled or released; a field and a VarHandle instead of an AtomicBoolean saves an object per call. */
	@SuppressWarnings("unused")
	private volatile int finished;

	BucketPermit(ProviderLimits provider, ModelRef model, LimitBucket[] modelBuckets, Demand demand, long waitedNanos,
			long[] taken) {
		this(provider, model, modelBuckets, demand, waitedNanos, taken, true);
	}

	BucketPermit(ProviderLimits provider, ModelRef model, LimitBucket[] modelBuckets, Demand demand, long waitedNanos,
			long[] taken, boolean holdsSlot) {
		this.holdsSlot = holdsSlot;
		this.taken = taken;
		this.provider = provider;
		this.model = model;
		this.modelBuckets = modelBuckets;
		this.demand = demand;
		this.waitedNanos = waitedNanos;
	}

	@Override
	public ModelRef model() {
		return this.model;
	}

	@Override
	public Duration waited() {
		return (this.waitedNanos == 0) ? Duration.ZERO : Duration.ofNanos(this.waitedNanos);
	}

	@Override
	public void settle(Usage actual) {
		Objects.requireNonNull(actual, "actual usage; use release() when the call used nothing");
		if (FINISHED.compareAndSet(this, 0, 1)) {
			this.provider.finish(this.modelBuckets, this.demand, actual, this.taken, this.holdsSlot);
		}
	}

	@Override
	public void release() {
		if (FINISHED.compareAndSet(this, 0, 1)) {
			this.provider.finish(this.modelBuckets, this.demand, null, this.taken, this.holdsSlot);
		}
	}

	@Override
	public String toString() {
		return "RatePermit[" + this.model + ", " + this.demand + "]";
	}

}

package dev.llmguard.core.limit;

import static dev.llmguard.core.limit.LimitFixtures.GPT_4O;
import static dev.llmguard.core.limit.LimitFixtures.NORMAL;
import static dev.llmguard.core.limit.LimitFixtures.model;
import static dev.llmguard.core.limit.LimitFixtures.openai;
import static dev.llmguard.core.limit.LimitFixtures.requestsPerMinute;
import static dev.llmguard.core.limit.LimitFixtures.tokensPerMinute;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import org.junit.jupiter.api.Test;

import dev.llmguard.core.config.GuardSettings;
import dev.llmguard.core.config.PriorityReserve;
import dev.llmguard.core.model.Usage;
import dev.llmguard.core.time.ManualGuardClock;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;

/**
 * An admission with a cap shared across the fleet starts the fleet's slot, takes the buckets, then
 * awaits the slot: whichever step refuses or fails, nothing stays held (tokens, the count here, the
 * fleet's slot).
 */
class SharedSlotOverlapTests {

	private static final Duration NO_WAIT = Duration.ZERO;

	private static final long TOKENS = 1_000;

	private final ManualGuardClock clock = new ManualGuardClock();

	private final FakeSlots slots = new FakeSlots();

	private final FailingStore store = new FailingStore(new LocalBucketStore(this.clock), this.slots);

	private final RateLimiters limiters = new RateLimiters(GuardSettings.builder()
		.headroom(1.0)
		.priorityReserve(PriorityReserve.NONE)
		.provider(openai(tokensPerMinute(TOKENS), 4, model(GPT_4O, requestsPerMinute(100))))
		.build(), this.store, this.clock);

	@Test
	void aSlotRefusedByTheFleetAfterTheBucketsWereTakenGivesTheirAmountsBack() throws InterruptedException {
		this.slots.answer = Answer.REFUSE;
		assertThatExceptionOfType(NoCapacityException.class)
			.isThrownBy(() -> this.limiters.acquire(GPT_4O, new Demand(100, 200), NORMAL, NO_WAIT))
			.withMessageContaining("max-concurrent 4");
		assertNothingHeld();

		this.slots.answer = Answer.TAKE;
		RatePermit permit = this.limiters.acquire(GPT_4O, new Demand(100, 200), NORMAL, NO_WAIT);
		assertThat(available("tokens-per-minute")).isEqualTo(TOKENS - 300);
		assertThat(this.slots.held).hasSize(1);
		permit.settle(new Usage(100, 200));
		assertThat(this.slots.held).isEmpty();
		assertThat(this.limiters.snapshot("openai").inUse()).isZero();
	}

	@Test
	void aSlotWhoseTakeFailsAfterTheBucketsWereTakenLeavesNothingHeld() {
		this.slots.answer = Answer.FAIL_AWAITING;
		assertThatIllegalStateException()
			.isThrownBy(() -> this.limiters.acquire(GPT_4O, new Demand(100, 200), NORMAL, NO_WAIT))
			.withMessage("the fleet's store failed");
		assertNothingHeld();
	}

	@Test
	void aSlotWhoseTakeFailsToStartLeavesNothingHeld() {
		this.slots.answer = Answer.FAIL_STARTING;
		assertThatIllegalStateException()
			.isThrownBy(() -> this.limiters.acquire(GPT_4O, new Demand(100, 200), NORMAL, NO_WAIT))
			.withMessage("the fleet's store failed");
		assertNothingHeld();
		assertThat(this.slots.cancelled.get()).isZero();
	}

	@Test
	void aBucketRefusalCancelsTheSlotStartedBeforeIt() throws InterruptedException {
		this.slots.answer = Answer.TAKE;
		RatePermit first = this.limiters.acquire(GPT_4O, new Demand(300, 300), NORMAL, NO_WAIT);
		assertThat(this.slots.awaited.get()).isOne();
		assertThatExceptionOfType(NoCapacityException.class)
			.isThrownBy(() -> this.limiters.acquire(GPT_4O, new Demand(300, 300), NORMAL, NO_WAIT))
			.withMessageContaining("tokens-per-minute");
		// tried at once, then once more in the queue before giving up: every take started then was cancelled
		assertThat(this.slots.cancelled.get()).isPositive();
		assertThat(this.slots.awaited.get()).isOne();
		assertThat(this.slots.started.get()).isEqualTo(1 + this.slots.cancelled.get());
		assertThat(this.slots.held).hasSize(1);
		assertThat(this.limiters.snapshot("openai").inUse()).isOne();
		first.release();
		assertNothingHeld(99); // a request that was admitted counts, whatever became of it
	}

	@Test
	void aBucketStoreThatFailsCancelsTheSlotStartedBeforeIt() {
		this.slots.answer = Answer.TAKE;
		this.store.failure = () -> new IllegalStateException("the bucket store failed");
		assertThatIllegalStateException()
			.isThrownBy(() -> this.limiters.acquire(GPT_4O, new Demand(100, 200), NORMAL, NO_WAIT))
			.withMessage("the bucket store failed");
		assertThat(this.slots.cancelled.get()).isOne();
		assertThat(this.slots.started.get()).isEqualTo(this.slots.cancelled.get());
		this.store.failure = null;
		assertNothingHeld();
	}

	@Test
	void theSharedSlotsOfAnImplementationWithoutStartTakeAreTakenAtOnce() {
		SharedSlots plain = new SharedSlots() {

			private final List<String> held = new ArrayList<>();

			@Override
			public String tryTake(int limit) {
				String slot = "plain-" + this.held.size();
				this.held.add(slot);
				return slot;
			}

			@Override
			public void release(String slot) {
				this.held.remove(slot);
			}

			@Override
			public int inUse() {
				return this.held.size();
			}

			@Override
			public long pollNanos() {
				return 1;
			}

		};
		PendingSlot taken = plain.startTake(3);
		assertThat(plain.inUse()).isOne();
		assertThat(taken.await()).isEqualTo("plain-0");
		plain.startTake(3).cancel();
		assertThat(plain.inUse()).isOne();
	}

	private void assertNothingHeld() {
		assertNothingHeld(100);
	}

	private void assertNothingHeld(long requests) {
		assertThat(available("tokens-per-minute")).isEqualTo(TOKENS);
		assertThat(this.limiters.snapshot("openai").modelLimits().get("gpt-4o").get("requests-per-minute").available())
			.isEqualTo(requests);
		assertThat(this.limiters.snapshot("openai").inUse()).isZero();
		assertThat(this.slots.held).isEmpty();
		// the count here is back: the cap still lets its four calls in
		this.slots.answer = Answer.TAKE;
		List<RatePermit> permits = new ArrayList<>();
		for (int i = 0; i < 4; i++) {
			try {
				permits.add(this.limiters.acquire(GPT_4O, new Demand(10, 10), NORMAL, NO_WAIT));
			}
			catch (InterruptedException ex) {
				throw new AssertionError(ex);
			}
		}
		permits.forEach(RatePermit::release);
		assertThat(this.slots.held).isEmpty();
	}

	private long available(String limit) {
		return this.limiters.snapshot("openai").limits().get(limit).available();
	}

	enum Answer {

		TAKE, REFUSE, FAIL_AWAITING, FAIL_STARTING

	}

	/** Slots of a fleet, answered as told; {@code inUse} is this JVM's count. */
	static final class FakeSlots implements SharedSlots {

		volatile Answer answer = Answer.TAKE;

		final List<String> held = new ArrayList<>();

		final AtomicInteger started = new AtomicInteger();

		final AtomicInteger awaited = new AtomicInteger();

		final AtomicInteger cancelled = new AtomicInteger();

		private int ids;

		@Override
		public String tryTake(int limit) {
			return startTake(limit).await();
		}

		@Override
		public synchronized PendingSlot startTake(int limit) {
			if (this.answer == Answer.FAIL_STARTING) {
				throw new IllegalStateException("the fleet's store failed");
			}
			this.started.incrementAndGet();
			Answer told = this.answer;
			String id = "slot-" + (++this.ids);
			boolean taken = told == Answer.TAKE && this.held.size() < limit;
			if (taken) {
				this.held.add(id);
			}
			return new PendingSlot() {

				@Override
				public String await() {
					FakeSlots.this.awaited.incrementAndGet();
					if (told == Answer.FAIL_AWAITING) {
						throw new IllegalStateException("the fleet's store failed");
					}
					return taken ? id : null;
				}

				@Override
				public void cancel() {
					FakeSlots.this.cancelled.incrementAndGet();
					release(id);
				}

			};
		}

		@Override
		public synchronized void release(String slot) {
			this.held.remove(slot);
		}

		@Override
		public int inUse() {
			return -1;
		}

		@Override
		public long pollNanos() {
			return 1_000_000;
		}

	}

	/** The buckets of this JVM, whose takes fail while told to; slots from the fake fleet. */
	static final class FailingStore implements BucketStore {

		private final BucketStore buckets;

		private final SharedSlots slots;

		volatile Supplier<RuntimeException> failure;

		FailingStore(BucketStore buckets, SharedSlots slots) {
			this.buckets = buckets;
			this.slots = slots;
		}

		@Override
		public Bucket bucket(String key, Supplier<BucketConfiguration> configuration) {
			return this.buckets.bucket(key, configuration);
		}

		@Override
		public String backend() {
			return "test";
		}

		@Override
		public int tryTakeAll(Bucket[] buckets, long[] amounts, long[] keep) {
			Supplier<RuntimeException> failing = this.failure;
			if (failing != null) {
				throw failing.get();
			}
			return this.buckets.tryTakeAll(buckets, amounts, keep);
		}

		@Override
		public void adjustAll(Bucket[] buckets, long[] deltas) {
			this.buckets.adjustAll(buckets, deltas);
		}

		@Override
		public SharedSlots sharedSlots(String key) {
			return this.slots;
		}

	}

}

package dev.llmguard.core.engine;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;

import org.junit.jupiter.api.Test;

import dev.llmguard.core.CallRequest;
import dev.llmguard.core.GuardInterruptedException;
import dev.llmguard.core.config.BudgetScope;
import dev.llmguard.core.config.OnExceeded;
import dev.llmguard.core.limit.BucketStore;
import dev.llmguard.core.limit.LocalBucketStore;
import dev.llmguard.core.limit.SharedSlots;
import dev.llmguard.core.time.GuardClock;

import static dev.llmguard.core.engine.EngineFixtures.GPT_4O;
import static dev.llmguard.core.engine.EngineFixtures.costBudget;
import static dev.llmguard.core.engine.EngineFixtures.requestsPerMinute;
import static dev.llmguard.core.engine.EngineFixtures.status;
import static org.assertj.core.api.Assertions.assertThat;

/** §3: failures never leak capacity, also on thread interrupts. */
class InterruptTests {

	private final EngineFixtures.Guard guard = EngineFixtures.guard(s -> {
		s.providerLimits = requestsPerMinute(1);
		s.maxWait = Duration.ofMinutes(10);
		s.budget(costBudget("daily", BudgetScope.GLOBAL, "10.00", OnExceeded.REJECT));
	});

	private final CallRequest request = CallRequest.builder().model(GPT_4O).estimatedInputTokens(100L).build();

	@Test
	void threadInterruptedWhileWaitingForCapacityLeavesNothingReserved() throws Throwable {
		ScriptedProvider provider = new ScriptedProvider();
		this.guard.engine.execute(this.request, provider, text -> text); // takes the only request of the minute

		AtomicReference<Throwable> failure = new AtomicReference<>();
		Thread waiter = new Thread(() -> {
			try {
				this.guard.engine.execute(this.request, provider, text -> text);
			}
			catch (Throwable ex) {
				failure.set(ex);
			}
		});
		waiter.start();
		eventually(() -> this.guard.limits().waiting() == 1, "the call waits for capacity");
		assertThat(this.guard.budget("daily", "").reservedCostNanos()).isPositive();

		waiter.interrupt();
		waiter.join(10_000);

		assertThat(waiter.isAlive()).isFalse();
		assertThat(failure.get()).isInstanceOf(InterruptedException.class);
		assertThat(provider.calls()).hasSize(1);
		this.guard.assertNothingHeld();
	}

	@Test
	void threadInterruptedWhileWaitingToRetryLeavesNothingReserved() throws Throwable {
		ScriptedProvider provider = new ScriptedProvider().on(GPT_4O, status(503));
		AtomicReference<Throwable> failure = new AtomicReference<>();
		Thread caller = new Thread(() -> {
			try {
				this.guard.engine.execute(this.request, provider, text -> text);
			}
			catch (Throwable ex) {
				failure.set(ex);
			}
		});
		caller.start();
		// the retry needs a second request of the minute: it waits
		eventually(() -> this.guard.limits().waiting() == 1, "the retry waits for a request");

		caller.interrupt();
		caller.join(10_000);

		assertThat(caller.isAlive()).isFalse();
		assertThat(failure.get()).isInstanceOf(InterruptedException.class);
		assertThat(provider.calls()).hasSize(1);
		this.guard.assertNothingHeld();
	}

	@Test
	void anInterruptThatReachesASharedStoresWaitIsRaisedAsTheInterruptAndLeavesNothingReserved() throws Throwable {
		// a store shared between instances (Redis) answers an interrupted wait for a concurrency slot so
		EngineFixtures.Guard shared = new EngineFixtures.Guard(EngineFixtures.settings(s -> {
			s.maxConcurrent = 4;
			s.budget(costBudget("daily", BudgetScope.GLOBAL, "10.00", OnExceeded.REJECT));
		}), (builder) -> builder.bucketStore(new InterruptedSlots()));
		ScriptedProvider provider = new ScriptedProvider();

		Throwable thrown = null;
		try {
			shared.engine.execute(this.request, provider, text -> text);
		}
		catch (Throwable ex) {
			thrown = ex;
		}
		finally {
			assertThat(Thread.interrupted()).as("the interrupt is kept").isTrue();
		}

		assertThat(thrown).isInstanceOf(InterruptedException.class);
		assertThat(provider.calls()).isEmpty();
		shared.assertNothingHeld();
	}

	/** Buckets of this JVM, and shared concurrency slots whose every take is interrupted while it waits. */
	private static final class InterruptedSlots implements BucketStore {

		private final LocalBucketStore local = new LocalBucketStore(GuardClock.system());

		@Override
		public Bucket bucket(String key, Supplier<BucketConfiguration> configuration) {
			return this.local.bucket(key, configuration);
		}

		@Override
		public String backend() {
			return "interrupted";
		}

		@Override
		public SharedSlots sharedSlots(String key) {
			return new SharedSlots() {

				@Override
				public String tryTake(int limit) {
					Thread.currentThread().interrupt();
					throw new GuardInterruptedException("concurrency slot", new InterruptedException());
				}

				@Override
				public void release(String slot) {
				}

				@Override
				public int inUse() {
					return 0;
				}

				@Override
				public long pollNanos() {
					return Duration.ofMillis(10).toNanos();
				}

			};
		}

	}

	/** Polls for up to ten real seconds; no test measures how long it took. */
	static void eventually(BooleanSupplier condition, String what) throws InterruptedException {
		long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
		while (!condition.getAsBoolean()) {
			if (System.nanoTime() > deadline) {
				throw new AssertionError("timed out waiting until " + what);
			}
			Thread.sleep(1);
		}
	}

}

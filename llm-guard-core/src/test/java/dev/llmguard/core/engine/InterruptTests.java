package dev.llmguard.core.engine;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.Test;

import dev.llmguard.core.CallRequest;
import dev.llmguard.core.config.BudgetScope;
import dev.llmguard.core.config.OnExceeded;

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

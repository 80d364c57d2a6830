package dev.llmguard.benchmarks.goodput;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import dev.llmguard.core.BudgetExceededException;
import dev.llmguard.core.CallRequest;
import dev.llmguard.core.FallbackResponseMapper;
import dev.llmguard.core.LlmGuard;
import dev.llmguard.core.RateLimitExceededException;
import dev.llmguard.core.model.Priority;
import dev.llmguard.core.model.Usage;
import dev.llmguard.core.retry.ProviderResponseException;

/**
 * Offers guarded calls at a fixed rate for a fixed time, whatever the guard answers (open loop, as
 * users arriving at an application), each on a thread of its own pool, then waits for the calls in
 * flight: the run ends by itself. Priorities and tenants are drawn from a seeded random source:
 * 20 % urgent (priority 2), 50 % normal (5), 30 % low (9); 40 % of calls for {@code tenant-0}, the
 * rest spread over {@code tenant-1} to {@code tenant-9}.
 */
public final class OverloadRun {

	/** What became of a call. */
	public enum Outcome {

		/** The provider answered 200. */
		SUCCESS,
		/** The guard found no capacity within the call's max wait. */
		RATE_LIMITED,
		/** A budget could not afford the call. */
		BUDGET_EXCEEDED,
		/** The provider answered 429 on the last attempt. */
		PROVIDER_429,
		/** Anything else, or still running when the run gave up waiting. */
		FAILED

	}

	/**
	 * One offered call.
	 * @param priority its priority class
	 * @param tenant its tenant
	 * @param offeredNanos when it was offered ({@link System#nanoTime()})
	 * @param decidedNanos when the guard admitted it (its first attempt started) or refused it; -1 if never
	 * @param outcome what became of it
	 * @param tokens tokens the provider reported, 0 unless it succeeded
	 */
	public record Call(Priority priority, String tenant, long offeredNanos, long decidedNanos, Outcome outcome,
			long tokens) {

		public long waitedNanos() {
			return (this.decidedNanos < 0) ? -1 : this.decidedNanos - this.offeredNanos;
		}

	}

	public static final String MODEL = "sim/gpt-4o-mini";

	public static final int TENANTS = 10;

	private final String name;

	private final LlmGuard guard;

	private final SimulatorCall provider;

	private final double callsPerSecond;

	private final Duration duration;

	private final Duration drain;

	private final long seed;

	private volatile long startNanos;

	/**
	 * @param name names the threads
	 * @param guard the application's guard
	 * @param provider the provider call made inside the guard
	 * @param callsPerSecond offered load
	 * @param duration how long load is offered
	 * @param drain how long to wait for calls still in flight afterwards
	 * @param seed seed of priorities and tenants
	 */
	public OverloadRun(String name, LlmGuard guard, SimulatorCall provider, double callsPerSecond, Duration duration,
			Duration drain, long seed) {
		this.name = name;
		this.guard = guard;
		this.provider = provider;
		this.callsPerSecond = callsPerSecond;
		this.duration = duration;
		this.drain = drain;
		this.seed = seed;
	}

	/** When the first call was offered ({@link System#nanoTime()}); set once {@link #run()} started. */
	public long startNanos() {
		return this.startNanos;
	}

	/**
	 * Offers the load and waits for every call.
	 * @return every offered call, in the order offered
	 */
	public List<Call> run() throws InterruptedException {
		int total = (int) Math.round(this.callsPerSecond * this.duration.toNanos() / 1e9);
		long interval = (long) (1e9 / this.callsPerSecond);
		// enough threads for every call that can be waiting at once: max-wait plus latency, with room to spare
		int threads = (int) Math.min(total, Math.ceil(this.callsPerSecond * 40));
		ExecutorService callers = Executors.newFixedThreadPool(Math.max(1, threads), daemonThreads(this.name));
		Call[] calls = new Call[total];
		Random random = new Random(this.seed);
		this.startNanos = System.nanoTime();
		for (int k = 0; k < total; k++) {
			long due = this.startNanos + k * interval;
			for (long now; (now = System.nanoTime()) < due;) {
				LockSupport.parkNanos(due - now);
			}
			int priority = draw(random);
			String tenant = (random.nextDouble() < 0.4) ? "tenant-0" : "tenant-" + (1 + random.nextInt(TENANTS - 1));
			int index = k;
			long offered = System.nanoTime();
			callers.execute(() -> calls[index] = call(priority, tenant, offered, index));
		}
		callers.shutdown();
		if (!callers.awaitTermination(this.drain.toMillis(), TimeUnit.MILLISECONDS)) {
			callers.shutdownNow();
			callers.awaitTermination(10, TimeUnit.SECONDS);
		}
		List<Call> result = new ArrayList<>(total);
		for (int k = 0; k < total; k++) {
			result.add((calls[k] != null) ? calls[k] : new Call(Priority.NORMAL, "?", this.startNanos, -1, Outcome.FAILED, 0));
		}
		return result;
	}

	private static int draw(Random random) {
		double r = random.nextDouble();
		return (r < 0.2) ? 2 : (r < 0.7) ? 5 : 9;
	}

	private Call call(int priority, String tenant, long offered, int index) {
		String prompt = "Summarize support ticket " + index + " in one sentence for the engineer on call.";
		CallRequest request = this.guard.request()
			.model(MODEL)
			.tenant(tenant)
			.priority(priority)
			.prompt(prompt)
			.maxOutputTokens(SimulatorCall.MAX_TOKENS)
			.build();
		long[] admitted = { -1 };
		Priority priorityClass = Priority.of(priority);
		try {
			Usage usage = this.guard.call(request, (ctx) -> {
				if (admitted[0] < 0) {
					admitted[0] = System.nanoTime();
				}
				return this.provider.call(ctx, prompt);
			}, FallbackResponseMapper.none());
			return new Call(priorityClass, tenant, offered, admitted[0], Outcome.SUCCESS, usage.totalTokens());
		}
		catch (Throwable ex) {
			long decided = (admitted[0] >= 0) ? admitted[0] : System.nanoTime();
			return new Call(priorityClass, tenant, offered, decided, outcomeOf(ex), 0);
		}
	}

	private static Outcome outcomeOf(Throwable ex) {
		if (ex instanceof RateLimitExceededException) {
			return Outcome.RATE_LIMITED;
		}
		if (ex instanceof BudgetExceededException) {
			return Outcome.BUDGET_EXCEEDED;
		}
		if (ex instanceof ProviderResponseException response && response.getStatus() == 429) {
			return Outcome.PROVIDER_429;
		}
		if (ex instanceof InterruptedException) {
			Thread.currentThread().interrupt();
		}
		return Outcome.FAILED;
	}

	private static ThreadFactory daemonThreads(String name) {
		AtomicInteger count = new AtomicInteger();
		return (runnable) -> {
			Thread thread = new Thread(runnable, name + "-caller-" + count.incrementAndGet());
			thread.setDaemon(true);
			return thread;
		};
	}

}

package dev.llmguard.benchmarks.memory;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import dev.llmguard.benchmarks.jmh.InMemoryPipeline;
import dev.llmguard.core.LlmGuardEngine;
import dev.llmguard.core.budget.InMemoryBudgetLedger;
import dev.llmguard.core.time.ManualGuardClock;

/**
 * Item 4: many distinct tenants through the in-memory pipeline of benchmark (c), each making one
 * call, in a JVM whose heap is capped (the suite starts it with {@code -Xmx256m}). Every tenth of the
 * way it forces a full GC and records the live heap and the ledger's entries; at the end it moves the
 * engine's clock past the end of the budget period, so every tenant is idle in the new period, and
 * checks that their state is gone.
 * <p>
 * Prints {@code key=value} lines that {@link MemoryPart} reads.
 */
public final class TenantMemoryBenchmark {

	private static final Instant START = Instant.parse("2026-01-05T10:00:00Z");

	private TenantMemoryBenchmark() {
	}

	public static void main(String[] args) throws Throwable {
		int tenants = Integer.parseInt(args[0]);
		ManualGuardClock clock = new ManualGuardClock(START);
		InMemoryBudgetLedger ledger = new InMemoryBudgetLedger(clock, ZoneId.of("UTC"));
		long baseline;
		List<String> steps = new ArrayList<>();
		try (LlmGuardEngine engine = InMemoryPipeline.engine(new SimpleMeterRegistry(), clock, ledger)) {
			call(engine, "warm-up");
			baseline = liveHeap();
			resetPeaks();
			long started = System.nanoTime();
			int step = Math.max(1, tenants / 10);
			for (int i = 1; i <= tenants; i++) {
				call(engine, "tenant-" + i);
				if (i % 1000 == 0) {
					clock.advance(Duration.ofMillis(1)); // a million calls in about 17 minutes of the engine's time
				}
				if (i % step == 0) {
					steps.add(i + ":" + liveHeap() + ":" + ledger.estimatedSize());
				}
			}
			long elapsed = System.nanoTime() - started;
			long peak = peakHeapUsed();
			long heldAtEnd = ledger.estimatedSize();
			// a new day: every tenant of the old period is idle; one call lets the cache expire the old entries
			clock.advance(Duration.ofDays(1));
			call(engine, "tenant-next-day");
			long heapNextDay = liveHeap();
			print("tenants", tenants);
			print("maxKeys", ledger.maxKeys());
			print("baseline", baseline);
			print("steps", String.join(",", steps));
			print("peakHeapUsed", peak);
			print("elapsedNanos", elapsed);
			print("entriesAtEnd", heldAtEnd);
			print("entriesNextDay", ledger.estimatedSize());
			print("heapNextDay", heapNextDay);
			print("maxHeap", Runtime.getRuntime().maxMemory());
			print("gc", ManagementFactory.getGarbageCollectorMXBeans()
				.stream()
				.map(GarbageCollectorMXBean::getName)
				.collect(Collectors.joining(" + ")));
		}
	}

	private static void call(LlmGuardEngine engine, String tenant) throws Throwable {
		engine.execute(InMemoryPipeline.request(tenant), InMemoryPipeline.NO_OP_CALL, InMemoryPipeline.NO_FALLBACK);
	}

	/** Heap in use after a full collection: what the guard really holds. */
	private static long liveHeap() {
		System.gc();
		System.gc();
		return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
	}

	private static void resetPeaks() {
		for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
			if (pool.getType() == MemoryType.HEAP) {
				pool.resetPeakUsage();
			}
		}
	}

	/** The sum of each heap pool's peak: an upper bound of the heap in use at any moment, garbage included. */
	private static long peakHeapUsed() {
		long peak = 0;
		for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
			if (pool.getType() == MemoryType.HEAP) {
				peak += pool.getPeakUsage().getUsed();
			}
		}
		return peak;
	}

	private static void print(String key, Object value) {
		System.out.println(key + "=" + value);
	}

}

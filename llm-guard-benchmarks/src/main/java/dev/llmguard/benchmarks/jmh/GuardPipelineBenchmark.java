package dev.llmguard.benchmarks.jmh;

import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import dev.llmguard.core.CallRequest;
import dev.llmguard.core.LlmGuardEngine;

/**
 * (c) One guarded call through llm-guard's whole in-memory pipeline around a no-op provider call:
 * chain resolution, global and tenant budget reservation, requests and tokens buckets, concurrency
 * cap, settlement with the reported usage, and llm-guard's meters on a {@link SimpleMeterRegistry}.
 * Each thread cycles over {@value #TENANTS} tenants.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class GuardPipelineBenchmark {

	static final int TENANTS = 100;

	private LlmGuardEngine engine;

	private CallRequest[] requests;

	@Setup
	public void setUp() {
		this.engine = InMemoryPipeline.engine(new SimpleMeterRegistry());
		this.requests = new CallRequest[TENANTS];
		for (int i = 0; i < TENANTS; i++) {
			this.requests[i] = InMemoryPipeline.request("tenant-" + i);
		}
	}

	@TearDown
	public void tearDown() {
		this.engine.close();
	}

	/** Which tenant a thread calls for next. */
	@State(Scope.Thread)
	public static class Cursor {

		int next;

		@Setup(Level.Trial)
		public void setUp() {
			this.next = (int) (Thread.currentThread().getId() % TENANTS);
		}

	}

	@Benchmark
	public String guardedCall(Cursor cursor) throws Throwable {
		int i = cursor.next;
		cursor.next = (i + 1 == TENANTS) ? 0 : i + 1;
		return this.engine.execute(this.requests[i], InMemoryPipeline.NO_OP_CALL, InMemoryPipeline.NO_FALLBACK);
	}

}

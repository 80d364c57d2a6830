package dev.llmguard.benchmarks.jmh;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * (a) The floor: one lock-free Bucket4j local bucket, {@code tryConsume(1)}, that never runs dry. Every
 * llm-guard admission does several of these.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class LocalBucketBenchmark {

	private Bucket bucket;

	@Setup
	public void setUp() {
		long perMinute = 50_000_000_000L;
		this.bucket = Bucket.builder()
			.addLimit(Bandwidth.builder().capacity(perMinute).refillGreedy(perMinute, Duration.ofMinutes(1)).build())
			.build();
	}

	@Benchmark
	public boolean tryConsume() {
		return this.bucket.tryConsume(1);
	}

}

package dev.llmguard.benchmarks.jmh;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * (b) What a Resilience4j user stacks around an LLM call: Retry(RateLimiter(Bulkhead(call))), in the
 * order of Resilience4j's own aspects, decorating a no-op supplier. None of them ever refuses here.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class Resilience4jBenchmark {

	private Supplier<String> decorated;

	@Setup
	public void setUp() {
		RateLimiter rateLimiter = RateLimiter.of("llm",
				RateLimiterConfig.custom()
					.limitForPeriod(Integer.MAX_VALUE)
					.limitRefreshPeriod(Duration.ofSeconds(1))
					.timeoutDuration(Duration.ZERO)
					.build());
		Retry retry = Retry.of("llm", RetryConfig.custom().maxAttempts(5).waitDuration(Duration.ofSeconds(1)).build());
		Bulkhead bulkhead = Bulkhead.of("llm",
				BulkheadConfig.custom().maxConcurrentCalls(64).maxWaitDuration(Duration.ZERO).build());
		Supplier<String> call = () -> "ok";
		this.decorated = Retry.decorateSupplier(retry,
				RateLimiter.decorateSupplier(rateLimiter, Bulkhead.decorateSupplier(bulkhead, call)));
	}

	@Benchmark
	public String decoratedCall() {
		return this.decorated.get();
	}

}

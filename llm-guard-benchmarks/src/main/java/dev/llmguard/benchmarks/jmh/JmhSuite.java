package dev.llmguard.benchmarks.jmh;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

import dev.llmguard.benchmarks.report.Section;
import dev.llmguard.benchmarks.report.Stats;
import dev.llmguard.benchmarks.report.Target;

/**
 * Item 1: benchmarks (a), (b) and (c) with 1 and with 4 threads in one run, so the ratios compare
 * numbers taken on the same machine under the same load. Each benchmark gets its own forked JVM, with
 * JMH's GC profiler for the bytes allocated per call.
 */
public final class JmhSuite {

	/** How much JMH measures. */
	public record Settings(int forks, int warmupIterations, TimeValue warmupTime, int iterations,
			TimeValue iterationTime) {

		/**
		 * 1 fork, 5 warm-up iterations of 2 s and 10 measured of 1 s: about 20 s per benchmark and thread
		 * count. The pipeline's code is large (Micrometer, Bucket4j, the engine): on 2 busy cores C2 needs
		 * several seconds before (c) settles, and a shorter warm-up let compilation leak into the measurement;
		 * on a shared machine single iterations of (c) vary by a third, so ten are measured.
		 */
		public static final Settings DEFAULT = new Settings(1, 5, TimeValue.seconds(2), 10, TimeValue.seconds(1));

		/** Checks that every harness runs, in a few hundred milliseconds; the numbers mean nothing. */
		public static final Settings SMOKE = new Settings(0, 0, TimeValue.milliseconds(1), 1,
				TimeValue.milliseconds(50));

	}

	/** A benchmark's score: mean and 99.9 % confidence half-width in ns/op, bytes allocated per op. */
	public record Score(String label, int threads, double nsPerOp, double error, double medianNsPerOp,
			double bytesPerOp, int samples) {
	}

	static final String A = "(a) Bucket4j local bucket tryConsume";

	static final String B = "(b) Resilience4j RateLimiter + Retry + Bulkhead";

	static final String C = "(c) llm-guard in-memory pipeline";

	private static final Map<Class<?>, String> BENCHMARKS = new LinkedHashMap<>();

	static {
		BENCHMARKS.put(LocalBucketBenchmark.class, A);
		BENCHMARKS.put(Resilience4jBenchmark.class, B);
		BENCHMARKS.put(GuardPipelineBenchmark.class, C);
	}

	private final Settings settings;

	public JmhSuite(Settings settings) {
		this.settings = settings;
	}

	/** Runs every benchmark with 1 and 4 threads. */
	public List<Score> measure() throws RunnerException {
		List<Score> scores = new ArrayList<>();
		for (int threads : new int[] { 1, 4 }) {
			for (Map.Entry<Class<?>, String> benchmark : BENCHMARKS.entrySet()) {
				scores.add(run(benchmark.getKey(), benchmark.getValue(), threads));
			}
		}
		return scores;
	}

	private Score run(Class<?> benchmark, String label, int threads) throws RunnerException {
		ChainedOptionsBuilder options = new OptionsBuilder().include("^" + benchmark.getName().replace(".", "\\.") + "\\.")
			.threads(threads)
			.forks(this.settings.forks())
			.warmupIterations(this.settings.warmupIterations())
			.warmupTime(this.settings.warmupTime())
			.measurementIterations(this.settings.iterations())
			.measurementTime(this.settings.iterationTime())
			.timeUnit(TimeUnit.NANOSECONDS)
			.shouldFailOnError(true)
			.verbosity(VerboseMode.SILENT)
			.jvmArgsAppend("-Xmx512m");
		if (this.settings.forks() > 0) {
			options.addProfiler(GCProfiler.class);
		}
		Collection<RunResult> results = new Runner(options.build()).run();
		if (results.size() != 1) {
			throw new IllegalStateException("expected one result for " + benchmark.getSimpleName() + ", got " + results.size());
		}
		RunResult result = results.iterator().next();
		Result<?> primary = result.getPrimaryResult();
		Result<?> allocation = result.getSecondaryResults().get("gc.alloc.rate.norm");
		double error = primary.getScoreError();
		return new Score(label, threads, primary.getScore(), Double.isNaN(error) ? 0 : error,
				primary.getStatistics().getPercentile(50),
				(allocation != null) ? allocation.getScore() : Double.NaN, (int) primary.getSampleCount());
	}

	/** The table, the ratios and the targets of item 1. */
	public static Section section(List<Score> scores, Settings settings) {
		StringBuilder md = new StringBuilder();
		md.append(Stats.format("JMH %d fork(s), %d × %s warm-up, %d × %s measured; ± is JMH's 99.9 %% confidence "
				+ "half-width over the measured iterations, the median is that of the iterations' means; targets and ratios "
				+ "use the mean. B/op from JMH's GC profiler.%n%n", settings.forks(),
				settings.warmupIterations(), settings.warmupTime(), settings.iterations(), settings.iterationTime()));
		md.append("| benchmark | threads | ns/op (mean) | ns/op (median) | B/op |\n|---|---:|---:|---:|---:|\n");
		for (Score s : scores) {
			md.append(Stats.format("| %s | %d | %.1f ± %.1f | %.1f | %s |%n", s.label(), s.threads(), s.nsPerOp(),
					s.error(), s.medianNsPerOp(),
					Double.isNaN(s.bytesPerOp()) ? "n/a" : Stats.format("%.0f", s.bytesPerOp())));
		}
		md.append("\n| ratio | 1 thread | 4 threads |\n|---|---:|---:|\n");
		md.append(Stats.format("| (c) / (a) | %.1f | %.1f |%n", ratio(scores, C, A, 1), ratio(scores, C, A, 4)));
		md.append(Stats.format("| (c) / (b) | %.2f | %.2f |%n", ratio(scores, C, B, 1), ratio(scores, C, B, 4)));
		md.append("\nWith 4 threads on a machine with fewer cores, ns/op is the time per call of each thread, "
				+ "including the time it waits for a core.\n");
		Score c1 = find(scores, C, 1);
		List<Target> targets = List.of(
				Target.of("(c) per call, single thread", "≤ 2 µs", Stats.format("%.2f µs", c1.nsPerOp() / 1000),
						c1.nsPerOp() <= 2000),
				Target.of("(c) / (b), single thread", "≤ 2", Stats.format("%.2f", ratio(scores, C, B, 1)),
						ratio(scores, C, B, 1) <= 2.0),
				Target.of("(c) / (b), 4 threads", "≤ 2", Stats.format("%.2f", ratio(scores, C, B, 4)),
						ratio(scores, C, B, 4) <= 2.0));
		return new Section("1. Admission overhead (JMH)", md.toString(), targets);
	}

	static double ratio(List<Score> scores, String numerator, String denominator, int threads) {
		return find(scores, numerator, threads).nsPerOp() / find(scores, denominator, threads).nsPerOp();
	}

	private static Score find(List<Score> scores, String label, int threads) {
		return scores.stream()
			.filter((s) -> s.label().equals(label) && s.threads() == threads)
			.findFirst()
			.orElseThrow(() -> new IllegalStateException("no score for " + label + " with " + threads + " threads"));
	}

}

package dev.llmguard.benchmarks;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import dev.llmguard.benchmarks.goodput.GoodputPart;
import dev.llmguard.benchmarks.goodput.SharedKeyPart;
import dev.llmguard.benchmarks.jmh.JmhSuite;
import dev.llmguard.benchmarks.memory.MemoryPart;
import dev.llmguard.benchmarks.redis.RedisPart;
import dev.llmguard.benchmarks.report.Machine;
import dev.llmguard.benchmarks.report.ResultsWriter;
import dev.llmguard.benchmarks.report.Section;
import dev.llmguard.test.simulator.RateLimiting;

/**
 * Runs every benchmark of llm-guard and writes the results table:
 *
 * <pre>
 * java -cp ... dev.llmguard.benchmarks.BenchmarkSuite [--out RESULTS.md] [--parts jmh,redis,goodput,memory,sharedkey] [--quick]
 * </pre>
 *
 * {@code --quick} shortens every part to check that it works; its numbers are not results.
 */
public final class BenchmarkSuite {

	/**
	 * A headroom at which the guard's buckets (full capacity at once, refilled over the minute) never
	 * let more than the provider's limit through in any 60 seconds: capacity plus refill stays at
	 * 2 × 0.45 = 0.9 of it. The goodput part runs it beside the default to show the difference.
	 */
	static final double WINDOW_SAFE_HEADROOM = 0.45;

	private BenchmarkSuite() {
	}

	public static void main(String[] args) throws Exception {
		Arguments arguments = Arguments.parse(args);
		long start = System.nanoTime();
		Machine machine = Machine.describe();
		String loadBefore = Machine.loadAverage();
		List<Section> sections = new ArrayList<>();
		if (arguments.parts().contains("jmh")) {
			JmhSuite.Settings settings = arguments.quick()
					? new JmhSuite.Settings(1, 1, org.openjdk.jmh.runner.options.TimeValue.seconds(1), 2,
							org.openjdk.jmh.runner.options.TimeValue.seconds(1))
					: JmhSuite.Settings.DEFAULT;
			log("JMH: (a), (b), (c) with 1 and 4 threads");
			sections.add(JmhSuite.section(new JmhSuite(settings).measure(), settings));
		}
		if (arguments.parts().contains("redis")) {
			log("Redis: guard admissions and redis-benchmark EVALSHA from 16 clients");
			sections.add(RedisPart.run(arguments.quick() ? RedisPart.Settings.QUICK : RedisPart.Settings.DEFAULT));
		}
		if (arguments.parts().contains("goodput")) {
			GoodputPart.Settings settings = arguments.quick()
					? new GoodputPart.Settings(600, Duration.ofSeconds(15), 0.8, Duration.ofMillis(200),
							Duration.ofSeconds(5), Duration.ofSeconds(5), RateLimiting.TOKEN_BUCKET)
					: GoodputPart.Settings.DEFAULT;
			log("goodput: " + settings.duration().toSeconds() + " s at twice " + settings.capacityPerMinute()
					+ " requests/min, per case");
			sections.add(GoodputPart.run(settings,
					arguments.quick() ? List.of()
							: List.of(settings.with(settings.headroom(), RateLimiting.SLIDING_WINDOW),
									settings.with(WINDOW_SAFE_HEADROOM, RateLimiting.SLIDING_WINDOW))));
		}
		if (arguments.parts().contains("sharedkey")) {
			SharedKeyPart.Settings settings = arguments.quick() ? SharedKeyPart.Settings.QUICK
					: SharedKeyPart.Settings.DEFAULT;
			log("shared key: five runs of " + settings.firstMinute().plus(settings.window()).toSeconds()
					+ " s at twice " + settings.capacityPerMinute() + " requests/min, with and without a neighbour");
			sections.add(SharedKeyPart.run(settings));
		}
		if (arguments.parts().contains("memory")) {
			int tenants = arguments.quick() ? 100_000 : 1_000_000;
			log("memory: " + tenants + " tenants in a 256 MB heap");
			sections.add(MemoryPart.run(tenants));
		}
		String text = ResultsWriter.write(arguments.out(), machine, loadBefore, Machine.loadAverage(),
				arguments.command(), Duration.ofNanos(System.nanoTime() - start), sections);
		System.out.println(text);
		log("wrote " + arguments.out().toAbsolutePath());
	}

	static void log(String message) {
		System.err.println("[bench] " + message);
	}

	/** The command line. */
	record Arguments(Path out, Set<String> parts, boolean quick, String command) {

		static final List<String> ALL_PARTS = List.of("jmh", "redis", "goodput", "memory", "sharedkey");

		static Arguments parse(String[] args) {
			Path out = Path.of("RESULTS.md");
			Set<String> parts = new LinkedHashSet<>(ALL_PARTS);
			boolean quick = false;
			String command = System.getProperty("bench.command", "llm-guard-benchmarks/run.sh");
			for (int i = 0; i < args.length; i++) {
				switch (args[i]) {
					case "--out" -> out = Path.of(value(args, ++i, "--out"));
					case "--parts" -> {
						parts = new LinkedHashSet<>(List.of(value(args, ++i, "--parts").split(",")));
						if (!ALL_PARTS.containsAll(parts)) {
							throw new IllegalArgumentException("--parts takes some of " + ALL_PARTS + ", got " + parts);
						}
					}
					case "--quick" -> quick = true;
					default -> throw new IllegalArgumentException("unknown argument '" + args[i]
							+ "'; use --out FILE, --parts " + String.join(",", ALL_PARTS) + ", --quick");
				}
			}
			return new Arguments(out, parts, quick, command);
		}

		private static String value(String[] args, int i, String name) {
			if (i >= args.length) {
				throw new IllegalArgumentException(name + " needs a value");
			}
			return args[i];
		}

	}

}

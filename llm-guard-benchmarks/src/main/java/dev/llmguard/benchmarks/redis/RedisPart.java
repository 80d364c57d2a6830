package dev.llmguard.benchmarks.redis;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.llmguard.benchmarks.goodput.GuardedApp;
import dev.llmguard.benchmarks.jmh.InMemoryPipeline;
import dev.llmguard.benchmarks.report.Section;
import dev.llmguard.benchmarks.report.Stats;
import dev.llmguard.benchmarks.report.Target;
import dev.llmguard.core.CallRequest;
import dev.llmguard.core.LlmGuard;
import dev.llmguard.test.redis.RedisServer;

/**
 * Item 2: how many calls per second the guard admits with its state in Redis, and how long an
 * admission takes, from 16 threads against a local {@code redis-server}; beside it, in the same run
 * and on the same server, {@code redis-benchmark} running {@code EVALSHA} of a trivial script with 16
 * clients, which is about the most a Lua-scripted Redis can serve here. The guard runs the pipeline
 * of benchmark (c) (requests and tokens buckets, global and tenant budgets) in a Spring Boot
 * application with {@code llm.guard.backend=redis}.
 */
public final class RedisPart {

	/**
	 * @param threads calling threads, and redis-benchmark clients
	 * @param warmUp calls before measuring, for the JIT and the connection
	 * @param duration measured time
	 * @param benchmarkRequests requests per redis-benchmark run
	 */
	public record Settings(int threads, Duration warmUp, Duration duration, int benchmarkRequests) {

		public static final Settings DEFAULT = new Settings(16, Duration.ofSeconds(20), Duration.ofSeconds(15), 200_000);

		public static final Settings QUICK = new Settings(16, Duration.ofSeconds(1), Duration.ofSeconds(3), 20_000);

	}

	/** One redis-benchmark result, with redis-server's CPU time per request. */
	record ScriptRate(double rps, double p50Millis, double p99Millis, double redisCpuMicrosPerRequest) {
	}

	/** The guard's result, and the Redis commands it ran by name. */
	record GuardRate(long calls, double rps, long p50Nanos, long p99Nanos, long callP99Nanos,
			Map<String, Long> commands, Map<String, Long> commandMicros, double jvmCpuMicrosPerCall,
			double redisCpuMicrosPerCall) {

		double commandsPerCall() {
			long total = this.commands.values().stream().mapToLong(Long::longValue).sum();
			return (this.calls > 0) ? (double) total / this.calls : 0;
		}

	}

	private RedisPart() {
	}

	/** Why this part cannot run here, naming what to install, or {@code null} when it can. */
	public static String unavailableReason() {
		String backend = RedisBackend.unavailableReason();
		return (backend != null) ? backend : RedisTools.missing();
	}

	public static Section run(Settings settings) throws Exception {
		String unavailable = unavailableReason();
		if (unavailable != null) {
			return new Section("2. Redis backend: admissions from " + settings.threads() + " threads",
					"Not run: " + unavailable + ". The harness (`RedisPart`) starts `redis-server`, runs "
							+ "`redis-benchmark` and a `llm.guard.backend=redis` application as soon as the backend "
							+ "is on the class path and `redis-cli` and `redis-benchmark` are on the PATH.",
					List.of(Target.notMeasured("Redis admissions / redis-benchmark EVALSHA rate", "≥ 0.5", unavailable),
							Target.notMeasured("Redis admission p99", "≤ 2 ms", unavailable)));
		}
		try (RedisServer redis = new RedisServer().start()) {
			String sha = RedisTools.cli(redis, "SCRIPT", "LOAD", "return 1");
			ScriptRate before = redisBenchmark(redis, sha, settings);
			GuardRate guard = guard(redis, settings);
			ScriptRate after = redisBenchmark(redis, sha, settings);
			return section(settings, before, guard, after);
		}
	}

	static ScriptRate redisBenchmark(RedisServer redis, String sha, Settings settings)
			throws IOException, InterruptedException {
		double cpuBefore = redisCpuSeconds(redis);
		Process process = new ProcessBuilder(RedisTools.require("redis-benchmark").toString(), "-h", redis.host(),
				"-p", Integer.toString(redis.port()), "-c", Integer.toString(settings.threads()), "-n",
				Integer.toString(settings.benchmarkRequests()), "--csv", "EVALSHA", sha, "0")
			.redirectErrorStream(true)
			.start();
		String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		process.waitFor(5, TimeUnit.MINUTES);
		// "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
		for (String line : out.split("\\R")) {
			if (line.startsWith("\"EVALSHA")) {
				String[] cells = line.replace("\"", "").split(",");
				double cpu = redisCpuSeconds(redis) - cpuBefore;
				return new ScriptRate(Double.parseDouble(cells[1]), Double.parseDouble(cells[4]),
						Double.parseDouble(cells[6]), cpu * 1e6 / settings.benchmarkRequests());
			}
		}
		throw new IllegalStateException("redis-benchmark printed no EVALSHA result: " + out);
	}

	static GuardRate guard(RedisServer redis, Settings settings) throws Exception {
		Map<String, Object> properties = pipelineProperties();
		properties.putAll(RedisBackend.properties(redis, "admission"));
		try (GuardedApp app = GuardedApp.start("redis-admission", properties)) {
			RedisBackend.requireRedis(app);
			LlmGuard guard = app.guard();
			CallRequest[] requests = new CallRequest[100];
			for (int i = 0; i < requests.length; i++) {
				requests[i] = InMemoryPipeline.request("tenant-" + i);
			}
			load(guard, requests, settings.threads(), settings.warmUp());
			Map<String, Long> before = commands(redis, "calls=");
			Map<String, Long> microsBefore = commands(redis, "usec=");
			double redisCpuBefore = redisCpuSeconds(redis);
			long jvmCpuBefore = processCpuNanos();
			long started = System.nanoTime();
			List<long[]> samples = load(guard, requests, settings.threads(), settings.duration());
			double seconds = (System.nanoTime() - started) / 1e9;
			long jvmCpu = processCpuNanos() - jvmCpuBefore;
			double redisCpu = redisCpuSeconds(redis) - redisCpuBefore;
			Map<String, Long> commands = new LinkedHashMap<>(commands(redis, "calls="));
			commands.replaceAll((name, calls) -> calls - before.getOrDefault(name, 0L));
			commands.values().removeIf((calls) -> calls <= 0);
			Map<String, Long> micros = new LinkedHashMap<>(commands(redis, "usec="));
			micros.replaceAll((name, usec) -> usec - microsBefore.getOrDefault(name, 0L));
			micros.keySet().retainAll(commands.keySet());
			long[] admission = Stats.sorted(samples.get(0));
			long[] call = Stats.sorted(samples.get(1));
			return new GuardRate(admission.length, admission.length / seconds, Stats.percentile(admission, 50),
					Stats.percentile(admission, 99), Stats.percentile(call, 99), commands, micros,
					jvmCpu / 1e3 / Math.max(1, admission.length), redisCpu * 1e6 / Math.max(1, admission.length));
		}
	}

	/**
	 * Calls the guard from {@code threads} threads for the duration.
	 * @return admission latencies (call start to the operation) and whole-call latencies, in nanoseconds
	 */
	private static List<long[]> load(LlmGuard guard, CallRequest[] requests, int threads, Duration duration)
			throws InterruptedException {
		AtomicBoolean stop = new AtomicBoolean();
		CountDownLatch done = new CountDownLatch(threads);
		LongList[] admissions = new LongList[threads];
		LongList[] calls = new LongList[threads];
		List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
		for (int t = 0; t < threads; t++) {
			int thread = t;
			admissions[t] = new LongList();
			calls[t] = new LongList();
			Thread worker = new Thread(() -> {
				long[] admitted = new long[1];
				try {
					for (int i = thread; !stop.get(); i++) {
						long start = System.nanoTime();
						guard.call(requests[i % requests.length], (ctx) -> {
							admitted[0] = System.nanoTime();
							ctx.recordUsage(100, 50);
							return "ok";
						}, InMemoryPipeline.NO_FALLBACK);
						long end = System.nanoTime();
						admissions[thread].add(admitted[0] - start);
						calls[thread].add(end - start);
					}
				}
				catch (Throwable ex) {
					failures.add(ex);
				}
				finally {
					done.countDown();
				}
			}, "redis-caller-" + t);
			worker.setDaemon(true);
			worker.start();
		}
		Thread.sleep(duration.toMillis());
		stop.set(true);
		if (!done.await(30, TimeUnit.SECONDS)) {
			throw new IllegalStateException("callers did not stop within 30 s");
		}
		if (!failures.isEmpty()) {
			throw new IllegalStateException("a guarded call failed", failures.get(0));
		}
		return List.of(LongList.concat(admissions), LongList.concat(calls));
	}

	/** CPU time redis-server has used so far (user and system), from {@code INFO cpu}, in seconds. */
	private static double redisCpuSeconds(RedisServer redis) throws IOException, InterruptedException {
		double seconds = 0;
		for (String line : RedisTools.cli(redis, "INFO", "cpu").split("\\R")) {
			if (line.startsWith("used_cpu_sys:") || line.startsWith("used_cpu_user:")) {
				seconds += Double.parseDouble(line.substring(line.indexOf(':') + 1).trim());
			}
		}
		return seconds;
	}

	/** CPU time this JVM has used so far (every thread: callers, the guard, Lettuce), in nanoseconds. */
	private static long processCpuNanos() {
		if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
			return os.getProcessCpuTime();
		}
		return 0;
	}

	/**
	 * A counter of {@code INFO commandstats} by command name (INFO itself left out): {@code calls=} or
	 * {@code usec=} (time spent in the command; a script's includes the commands it runs).
	 */
	private static Map<String, Long> commands(RedisServer redis, String field) throws IOException, InterruptedException {
		Map<String, Long> commands = new LinkedHashMap<>();
		for (String line : RedisTools.cli(redis, "INFO", "commandstats").split("\\R")) {
			int at = line.indexOf(field);
			if (line.startsWith("cmdstat_") && at > 0 && !line.startsWith("cmdstat_info")) {
				int end = line.indexOf(',', at);
				commands.put(line.substring("cmdstat_".length(), line.indexOf(':')).toUpperCase(java.util.Locale.ROOT),
						Long.parseLong(line.substring(at + field.length(), end)));
			}
		}
		return commands;
	}

	/** The pipeline of benchmark (c) as {@code llm.guard.*} properties. */
	static Map<String, Object> pipelineProperties() {
		Map<String, Object> p = new LinkedHashMap<>();
		String provider = "llm.guard.providers." + InMemoryPipeline.PROVIDER + ".";
		p.put(provider + "requests-per-minute", 1_000_000_000L);
		p.put(provider + "tokens-per-minute", 50_000_000_000L);
		p.put(provider + "max-concurrent", 64);
		p.put(provider + "models." + InMemoryPipeline.MODEL.model() + ".context-window", 128_000);
		p.put(provider + "models." + InMemoryPipeline.MODEL.model() + ".max-output-tokens", 16_384);
		p.put("llm.guard.chains.default.models", InMemoryPipeline.MODEL.toString());
		p.put("llm.guard.budgets." + InMemoryPipeline.GLOBAL_BUDGET + ".scope", "global");
		p.put("llm.guard.budgets." + InMemoryPipeline.GLOBAL_BUDGET + ".period", "day");
		p.put("llm.guard.budgets." + InMemoryPipeline.GLOBAL_BUDGET + ".max-cost", "1000000");
		p.put("llm.guard.budgets." + InMemoryPipeline.TENANT_BUDGET + ".scope", "tenant");
		p.put("llm.guard.budgets." + InMemoryPipeline.TENANT_BUDGET + ".period", "day");
		p.put("llm.guard.budgets." + InMemoryPipeline.TENANT_BUDGET + ".max-cost", "1000");
		return p;
	}

	static Section section(Settings settings, ScriptRate before, GuardRate guard, ScriptRate after) {
		double scriptRps = (before.rps() + after.rps()) / 2;
		double ratio = guard.rps() / scriptRps;
		StringBuilder md = new StringBuilder();
		md.append(Stats.format("%d threads call a `llm.guard.backend=redis` application running the pipeline of (c) "
				+ "(requests and tokens buckets, global and tenant budgets) around a no-op call, for %d s after %d s "
				+ "of warm-up; `redis-benchmark -c %d -n %,d EVALSHA <return 1> 0` on the same `redis-server` "
				+ "just before and just after. An admission is a whole guarded call (admit and settle); its latency "
				+ "is the time until the call's operation starts.%n%n", settings.threads(),
				settings.duration().toSeconds(), settings.warmUp().toSeconds(), settings.threads(),
				settings.benchmarkRequests()));
		md.append("| | per second | p50 | p99 |\n|---|---:|---:|---:|\n");
		md.append(Stats.format("| redis-benchmark EVALSHA, before | %,.0f | %.3f ms | %.3f ms |%n", before.rps(),
				before.p50Millis(), before.p99Millis()));
		md.append(Stats.format("| llm-guard admissions (Redis) | %,.0f | %s | %s |%n", guard.rps(),
				Stats.millis(guard.p50Nanos()), Stats.millis(guard.p99Nanos())));
		md.append(Stats.format("| redis-benchmark EVALSHA, after | %,.0f | %.3f ms | %.3f ms |%n%n", after.rps(),
				after.p50Millis(), after.p99Millis()));
		StringBuilder perCall = new StringBuilder();
		guard.commands().forEach((name, calls) -> perCall.append(perCall.isEmpty() ? "" : ", ")
			.append(Stats.format("%s %.1f", name, (double) calls / Math.max(1, guard.calls()))));
		md.append(Stats.format("Ratio of guard admissions to the mean EVALSHA rate: **%.2f**. Redis ran %.1f commands "
				+ "per guarded call (%s); p99 of the whole guarded call %s; %,d calls measured.%n%n", ratio,
				guard.commandsPerCall(), perCall, Stats.millis(guard.callP99Nanos()), guard.calls()));
		StringBuilder sent = new StringBuilder();
		double inCommands = 0;
		for (String name : List.of("EVALSHA", "EVAL", "GET")) {
			long usec = guard.commandMicros().getOrDefault(name, 0L);
			inCommands += (double) usec / Math.max(1, guard.calls());
			sent.append(sent.isEmpty() ? "" : ", ")
				.append(Stats.format("%s %.1f µs", name, (double) usec / Math.max(1, guard.calls())));
		}
		md.append(Stats.format("Time redis-server spent executing the commands the guard sent, per guarded call "
				+ "(`INFO commandstats`; a script's time includes the commands it runs): %s, %.0f µs in all.%n%n",
				sent, inCommands));
		double scriptCpu = (before.redisCpuMicrosPerRequest() + after.redisCpuMicrosPerRequest()) / 2;
		int cores = Runtime.getRuntime().availableProcessors();
		md.append(Stats.format("CPU time per guarded call: %.0f µs in this JVM (the 16 callers, the guard, Lettuce) and "
				+ "%.0f µs in redis-server; redis-server spent %.1f µs per redis-benchmark EVALSHA. With %d cores "
				+ "shared by both processes, that CPU time alone allows at most about %,.0f guarded calls per "
				+ "second.%n", guard.jvmCpuMicrosPerCall(), guard.redisCpuMicrosPerCall(), scriptCpu, cores,
				cores * 1e6 / Math.max(1, guard.jvmCpuMicrosPerCall() + guard.redisCpuMicrosPerCall())));
		return new Section("2. Redis backend: admissions from " + settings.threads() + " threads", md.toString(),
				List.of(Target.of("Redis admissions / redis-benchmark EVALSHA rate", "≥ 0.5", Stats.format("%.2f", ratio),
						ratio >= 0.5),
						Target.of("Redis admission p99", "≤ 2 ms", Stats.millis(guard.p99Nanos()),
								guard.p99Nanos() <= 2_000_000)));
	}

	/** A growable array of longs: millions of samples without boxing. */
	static final class LongList {

		private long[] values = new long[1 << 14];

		private int size;

		void add(long value) {
			if (this.size == this.values.length) {
				this.values = Arrays.copyOf(this.values, this.size * 2);
			}
			this.values[this.size++] = value;
		}

		static long[] concat(LongList[] lists) {
			int total = 0;
			for (LongList list : lists) {
				total += list.size;
			}
			long[] all = new long[total];
			int at = 0;
			for (LongList list : lists) {
				System.arraycopy(list.values, 0, all, at, list.size);
				at += list.size;
			}
			return all;
		}

	}

}

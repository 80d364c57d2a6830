package dev.llmguard.benchmarks.memory;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.llmguard.benchmarks.report.Section;
import dev.llmguard.benchmarks.report.Stats;
import dev.llmguard.benchmarks.report.Target;

/**
 * Item 4: runs {@link TenantMemoryBenchmark} in a JVM of its own with a 256 MB heap, so a guard that
 * kept state for every tenant would fail with an {@code OutOfMemoryError} instead of passing by luck.
 */
public final class MemoryPart {

	static final String MAX_HEAP = "256m";

	static final long TARGET_BYTES = 256L * 1024 * 1024;

	private MemoryPart() {
	}

	public static Section run(int tenants) throws IOException, InterruptedException {
		Path java = Path.of(System.getProperty("java.home"), "bin", "java");
		List<String> command = List.of(java.toString(), "-Xmx" + MAX_HEAP, "-cp", System.getProperty("java.class.path"),
				TenantMemoryBenchmark.class.getName(), Integer.toString(tenants));
		Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
		Map<String, String> values = new LinkedHashMap<>();
		try (BufferedReader out = new BufferedReader(
				new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
			for (String line; (line = out.readLine()) != null;) {
				int eq = line.indexOf('=');
				if (eq > 0) {
					values.put(line.substring(0, eq), line.substring(eq + 1));
				}
			}
		}
		if (!process.waitFor(10, TimeUnit.MINUTES)) {
			process.destroyForcibly();
			throw new IllegalStateException("the memory benchmark did not finish within 10 minutes");
		}
		int exit = process.exitValue();
		if (exit != 0 || !values.containsKey("peakHeapUsed")) {
			String why = "the JVM exited with " + exit + " (an OutOfMemoryError means the heap is not bounded)";
			return new Section("4. Memory: " + tenants + " distinct tenants", why,
					List.of(Target.of("heap for " + tenants + " tenants", "< 256 MB", why, false)));
		}
		return section(tenants, values);
	}

	static Section section(int tenants, Map<String, String> v) {
		long peak = Long.parseLong(v.get("peakHeapUsed"));
		long baseline = Long.parseLong(v.get("baseline"));
		long maxLive = baseline;
		StringBuilder md = new StringBuilder();
		md.append(Stats.format("%,d distinct tenants, one guarded call each, through the in-memory pipeline of (c) "
				+ "(global and per-tenant daily budgets; in-memory ledger with its default of %,d tenant entries), "
				+ "in a JVM started with `-Xmx%s` (%s). The engine's clock advances 1 ms per 1,000 calls.%n%n", tenants,
				Long.parseLong(v.get("maxKeys")), MAX_HEAP, v.get("gc")));
		md.append("| tenants so far | live heap after full GC | ledger entries |\n|---:|---:|---:|\n");
		md.append(Stats.format("| 0 | %s | 0 |%n", mb(baseline)));
		List<String> steps = new ArrayList<>(List.of(v.get("steps").split(",")));
		for (String step : steps) {
			String[] p = step.split(":");
			long live = Long.parseLong(p[1]);
			maxLive = Math.max(maxLive, live);
			md.append(Stats.format("| %,d | %s | %,d |%n", Long.parseLong(p[0]), mb(live), Long.parseLong(p[2])));
		}
		long entriesNextDay = Long.parseLong(v.get("entriesNextDay"));
		md.append(Stats.format("| next day, one more call | %s | %,d |%n%n", mb(Long.parseLong(v.get("heapNextDay"))),
				entriesNextDay));
		md.append(Stats.format("Largest live heap (after a full GC): **%s**, of which %s is the JVM, the engine and "
				+ "its tokenizer before the first tenant. Peak heap in use, garbage included (sum of the heap pools' "
				+ "peaks): %s, which is G1 using the heap it is given rather than state. %.2f µs per call, forced GCs "
				+ "included.%n%n", mb(maxLive), mb(baseline), mb(peak), Long.parseLong(v.get("elapsedNanos")) / 1000.0 / tenants));
		md.append("The ledger keeps at most its configured number of tenant entries (of every budget and period): past it, the least "
				+ "recently used tenants are evicted and would start from zero (one WARN; the Redis backend has no such limit). "
				+ "Entries expire when their budget period ends, so tenants idle in the new period hold nothing.\n");
		long entriesAtEnd = Long.parseLong(v.get("entriesAtEnd"));
		long maxKeys = Long.parseLong(v.get("maxKeys"));
		List<Target> targets = List.of(
				Target.of("heap, " + Stats.format("%,d", tenants) + " tenants", "< 256 MB",
						"live peak " + mb(maxLive) + ", in use peak " + mb(peak) + " (JVM capped at 256 MB)",
						maxLive < TARGET_BYTES && peak < TARGET_BYTES),
				Target.of("tenant state bounded", "≤ ledger max keys (" + Stats.format("%,d", maxKeys) + ")",
						Stats.format("%,d entries", entriesAtEnd), entriesAtEnd <= maxKeys + 10),
				Target.of("idle tenants evicted", "state gone after the period", Stats.format("%,d entries", entriesNextDay),
						entriesNextDay <= 10));
		return new Section("4. Memory: " + Stats.format("%,d", tenants) + " distinct tenants", md.toString(), targets);
	}

	private static String mb(long bytes) {
		return Stats.format("%.1f MB", bytes / 1024.0 / 1024.0);
	}

}

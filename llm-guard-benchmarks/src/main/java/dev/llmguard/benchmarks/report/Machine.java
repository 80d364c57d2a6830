package dev.llmguard.benchmarks.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * The machine a run measured, as the results table states it: numbers mean little without it.
 *
 * @param processors processors available to the JVM (what {@code nproc} prints)
 * @param cpuModel the first {@code model name} of {@code /proc/cpuinfo}
 * @param memory total memory from {@code /proc/meminfo}
 * @param jdk vendor, runtime version and VM of the JDK
 * @param os operating system and kernel
 * @param date when the run started, UTC
 */
public record Machine(int processors, String cpuModel, String memory, String jdk, String os, String date) {

	public static Machine describe() {
		return new Machine(Runtime.getRuntime().availableProcessors(), readCpuModel(), readMemory(),
				System.getProperty("java.vendor") + " " + System.getProperty("java.runtime.version") + " ("
						+ System.getProperty("java.vm.name") + ")",
				System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"),
				OffsetDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")));
	}

	/** The load averages of {@code /proc/loadavg} (1, 5, 15 minutes), for noise on a shared machine. */
	public static String loadAverage() {
		List<String> line = read("/proc/loadavg");
		if (line.isEmpty()) {
			return "unknown";
		}
		String[] parts = line.get(0).split("\\s+");
		return (parts.length >= 3) ? parts[0] + " / " + parts[1] + " / " + parts[2] : line.get(0);
	}

	private static String readCpuModel() {
		return read("/proc/cpuinfo").stream()
			.filter((l) -> l.startsWith("model name"))
			.map((l) -> l.substring(l.indexOf(':') + 1).trim())
			.findFirst()
			.orElse(System.getProperty("os.arch"));
	}

	private static String readMemory() {
		return read("/proc/meminfo").stream()
			.filter((l) -> l.startsWith("MemTotal:"))
			.map((l) -> l.replaceAll("\\D+", ""))
			.map((kb) -> (Long.parseLong(kb) / 1024 / 1024) + " GiB")
			.findFirst()
			.orElse("unknown");
	}

	private static List<String> read(String file) {
		try {
			return Files.readAllLines(Path.of(file));
		}
		catch (IOException | RuntimeException ex) {
			return List.of();
		}
	}

}

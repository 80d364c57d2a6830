package dev.llmguard.benchmarks;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.llmguard.benchmarks.goodput.GoodputPart;
import dev.llmguard.benchmarks.goodput.SharedKeyPart;
import dev.llmguard.benchmarks.jmh.JmhSuite;
import dev.llmguard.benchmarks.memory.MemoryPart;
import dev.llmguard.benchmarks.redis.RedisPart;
import dev.llmguard.benchmarks.report.Machine;
import dev.llmguard.benchmarks.report.ResultsWriter;
import dev.llmguard.benchmarks.report.Section;
import dev.llmguard.benchmarks.report.Target;
import dev.llmguard.test.simulator.RateLimiting;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Each harness runs once, as briefly as it can, so a broken benchmark shows up in {@code verify};
 * the numbers are not looked at.
 */
class BenchmarkHarnessSmokeTests {

	@Test
	void everyJmhBenchmarkRunsOneShortIterationWithOneAndFourThreads() throws Exception {
		// the smoke run measures nothing: a benchmark run elsewhere on the machine holding JMH's lock must not fail it
		System.setProperty("jmh.ignoreLock", "true");
		List<JmhSuite.Score> scores = new JmhSuite(JmhSuite.Settings.SMOKE).measure();

		assertThat(scores).hasSize(6).allSatisfy((score) -> assertThat(score.nsPerOp()).isPositive());
		Section section = JmhSuite.section(scores, JmhSuite.Settings.SMOKE);
		assertThat(section.markdown()).contains("(c) / (a)", "(c) / (b)");
		assertThat(section.targets()).extracting(Target::status).doesNotContain(Target.Status.NOT_MEASURED);
	}

	@Test
	void memoryBenchmarkRunsInItsOwnCappedJvmAndEmptiesTheLedgerNextPeriod() throws Exception {
		Section section = MemoryPart.run(20_000);

		assertThat(section.markdown()).contains("20,000");
		assertThat(section.targets()).extracting(Target::status).containsOnly(Target.Status.MET);
	}

	@Test
	void goodputDrivesAGuardedApplicationAgainstTheSimulator() throws Exception {
		GoodputPart.Settings tiny = new GoodputPart.Settings(600, Duration.ofSeconds(2), 0.8, Duration.ofMillis(20),
				Duration.ofSeconds(1), Duration.ofSeconds(1), RateLimiting.TOKEN_BUCKET);

		Section section = GoodputPart.run(tiny, List.of());

		assertThat(section.markdown()).contains("in-memory, 1 app, headroom 0.8, provider bucket");
		assertThat(section.targets()).isNotEmpty();
	}

	@Test
	void sharedKeyRunsEveryCaseWithAndWithoutANeighbour() throws Exception {
		SharedKeyPart.Settings tiny = new SharedKeyPart.Settings(600, Duration.ofSeconds(1), Duration.ofSeconds(1),
				Duration.ofMillis(20), Duration.ofSeconds(1), 0.4);

		Section section = SharedKeyPart.run(tiny);

		assertThat(section.markdown()).contains("(a) neighbour, limits: declared C", "(b) no neighbour, limits: auto",
				"before learning");
		assertThat(section.targets()).hasSize(4);
	}

	@Test
	void redisAdmissionsRunBesideRedisBenchmark() throws Exception {
		// redis-server comes from the PATH or embedded-redis; redis-benchmark and redis-cli only from the PATH
		String unavailable = RedisPart.unavailableReason();
		if (unavailable != null) {
			// a skip's reason reaches only the reports; Surefire shows a forked JVM's native stderr on the console
			new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8)
				.println("[NOTICE] Redis benchmark smoke test skipped: " + unavailable + ".");
			Assumptions.abort("Skipped: " + unavailable);
		}

		Section section = RedisPart.run(new RedisPart.Settings(4, Duration.ofMillis(200), Duration.ofMillis(500), 2_000));

		assertThat(section.markdown()).contains("redis-benchmark EVALSHA", "llm-guard admissions (Redis)");
		assertThat(section.targets()).extracting(Target::status).doesNotContain(Target.Status.NOT_MEASURED);
	}

	@Test
	void resultsNameTheMachineAndListEveryTarget(@TempDir Path dir) throws Exception {
		Path out = dir.resolve("RESULTS.md");
		Section section = new Section("Part", "| a | b |", List.of(Target.of("goal", "≤ 1", "0.5", true)));

		ResultsWriter.write(out, Machine.describe(), "1.0 / 1.0 / 1.0", "2.0 / 2.0 / 2.0", "run.sh",
				Duration.ofSeconds(61), List.of(section));

		assertThat(Files.readString(out)).contains("processors (nproc)", "JDK", "load average", "| goal | ≤ 1 | 0.5 | met |",
				"## Part", "1 min 1 s");
	}

}

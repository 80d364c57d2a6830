package dev.llmguard.benchmarks.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Writes {@code RESULTS.md}: the machine, the targets at a glance, then each part's tables. */
public final class ResultsWriter {

	private ResultsWriter() {
	}

	/**
	 * @param out the file to (over)write
	 * @param machine the machine the run measured
	 * @param loadBefore load averages when the run started
	 * @param loadAfter load averages when it ended
	 * @param command how the run was started
	 * @param elapsed how long the whole run took
	 * @param sections the results of each part, in order
	 * @return the markdown written
	 */
	public static String write(Path out, Machine machine, String loadBefore, String loadAfter, String command,
			Duration elapsed, List<Section> sections) throws IOException {
		StringBuilder md = new StringBuilder();
		md.append("# llm-guard benchmark results\n\n");
		md.append("Written by `").append(command).append("` (see `llm-guard-benchmarks/README.md`).\n\n");
		md.append("| machine | |\n|---|---|\n");
		md.append("| date | ").append(machine.date()).append(" |\n");
		md.append("| CPU | ").append(machine.cpuModel()).append(" |\n");
		md.append("| processors (nproc) | ").append(machine.processors()).append(" |\n");
		md.append("| memory | ").append(machine.memory()).append(" |\n");
		md.append("| JDK | ").append(machine.jdk()).append(" |\n");
		md.append("| OS | ").append(machine.os()).append(" |\n");
		md.append("| load average (1/5/15 min) at start | ").append(loadBefore).append(" |\n");
		md.append("| load average (1/5/15 min) at end | ").append(loadAfter).append(" |\n");
		md.append("| duration of the run | ").append(elapsed.toMinutes()).append(" min ")
			.append(elapsed.toSecondsPart()).append(" s |\n\n");
		md.append("## Targets\n\n| goal | target | reached | status |\n|---|---|---|---|\n");
		for (Section section : sections) {
			for (Target t : section.targets()) {
				md.append("| ").append(t.goal()).append(" | ").append(t.target()).append(" | ").append(t.reached())
					.append(" | ").append(t.status().label()).append(" |\n");
			}
		}
		md.append('\n');
		for (Section section : sections) {
			md.append("## ").append(section.title()).append("\n\n").append(section.markdown().strip()).append("\n\n");
		}
		String text = md.toString();
		Files.writeString(out, text, StandardCharsets.UTF_8);
		return text;
	}

}

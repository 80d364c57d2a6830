package dev.llmguard.benchmarks.report;

import java.util.List;

/**
 * The results of one part of the suite: a markdown body and the targets it checked.
 *
 * @param title heading of the section
 * @param markdown tables and notes
 * @param targets targets this part checked
 */
public record Section(String title, String markdown, List<Target> targets) {

	public Section {
		targets = List.copyOf(targets);
	}

}

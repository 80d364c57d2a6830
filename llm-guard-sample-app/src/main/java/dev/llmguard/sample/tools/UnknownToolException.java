package dev.llmguard.sample.tools;

import java.util.Set;

/** A request named a tool the shop does not have. */
public class UnknownToolException extends RuntimeException {

	private final Set<String> known;

	public UnknownToolException(Set<String> known) {
		super("No such tool; known tools are " + known);
		this.known = known;
	}

	/** The tools that exist. */
	public Set<String> getKnown() {
		return this.known;
	}

}

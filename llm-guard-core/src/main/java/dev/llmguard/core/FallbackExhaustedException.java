package dev.llmguard.core;

import java.util.List;
import java.util.stream.Collectors;

/** Every model of a chain was tried or skipped and none answered. */
public class FallbackExhaustedException extends LlmGuardException {

	private final String chain;

	private final List<ModelFailure> failures;

	public FallbackExhaustedException(String chain, List<ModelFailure> failures, Throwable lastCause) {
		super("Every model of chain '" + chain + "' failed: " + failures.stream()
			.map(f -> f.model() + " " + f.reason() + ((f.detail() != null) ? " (" + f.detail() + ")" : ""))
			.collect(Collectors.joining(", ")), lastCause);
		this.chain = chain;
		this.failures = List.copyOf(failures);
	}

	public String getChain() {
		return this.chain;
	}

	/** What each model answered, in chain order. */
	public List<ModelFailure> getFailures() {
		return this.failures;
	}

	@Override
	public String code() {
		return "fallback_exhausted";
	}

	/**
	 * Why one model of a chain did not answer.
	 *
	 * @param model the model
	 * @param reason {@code rate_limited}, {@code overloaded}, {@code cooling_down}, {@code context_window},
	 * {@code budget_exceeded}, {@code failed}
	 * @param detail a short explanation without prompt or response text
	 */
	public record ModelFailure(String model, String reason, String detail) {
	}

}

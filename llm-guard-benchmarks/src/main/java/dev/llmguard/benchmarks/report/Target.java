package dev.llmguard.benchmarks.report;

/**
 * One target of the benchmarks issue and what a run reached.
 *
 * @param goal what is measured, in words
 * @param target the target, e.g. {@code <= 2 µs}
 * @param reached what this run measured
 * @param status whether the target was met
 */
public record Target(String goal, String target, String reached, Status status) {

	/** Whether a target was met in this run. */
	public enum Status {

		MET("met"), MISSED("**missed**"), NOT_MEASURED("not measured");

		private final String label;

		Status(String label) {
			this.label = label;
		}

		public String label() {
			return this.label;
		}

		public static Status of(boolean met) {
			return met ? MET : MISSED;
		}

	}

	public static Target of(String goal, String target, String reached, boolean met) {
		return new Target(goal, target, reached, Status.of(met));
	}

	public static Target notMeasured(String goal, String target, String why) {
		return new Target(goal, target, why, Status.NOT_MEASURED);
	}

}

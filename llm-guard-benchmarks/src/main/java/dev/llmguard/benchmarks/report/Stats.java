package dev.llmguard.benchmarks.report;

import java.util.Arrays;
import java.util.Locale;

/** Percentiles and number formats for the results tables. */
public final class Stats {

	private Stats() {
	}

	/**
	 * The nearest-rank percentile of samples.
	 * @param sorted samples in ascending order
	 * @param percentile 0 to 100
	 * @return the sample, or {@code -1} when there are none
	 */
	public static long percentile(long[] sorted, double percentile) {
		if (sorted.length == 0) {
			return -1;
		}
		int rank = (int) Math.ceil(percentile / 100.0 * sorted.length);
		return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
	}

	public static long[] sorted(long[] samples) {
		long[] copy = samples.clone();
		Arrays.sort(copy);
		return copy;
	}

	/** Nanoseconds as milliseconds with enough digits for sub-millisecond values; "n/a" for none. */
	public static String millis(long nanos) {
		if (nanos < 0) {
			return "n/a";
		}
		double ms = nanos / 1e6;
		return (ms < 10) ? format("%.3f ms", ms) : (ms < 1000) ? format("%.1f ms", ms) : format("%.2f s", ms / 1000);
	}

	public static String format(String pattern, Object... args) {
		return String.format(Locale.ROOT, pattern, args);
	}

	public static String percent(double share) {
		return format("%.1f %%", share * 100);
	}

}

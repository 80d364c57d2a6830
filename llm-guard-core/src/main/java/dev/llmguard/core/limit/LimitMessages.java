package dev.llmguard.core.limit;

import java.time.Duration;
import java.util.Locale;

/** How limits talk to people: grouped numbers, short durations, whole seconds to retry after. */
final class LimitMessages {

	private static final long NANOS_PER_SECOND = 1_000_000_000L;

	private LimitMessages() {
	}

	static String count(long value) {
		return String.format(Locale.ROOT, "%,d", value);
	}

	static String duration(Duration duration) {
		long millis = duration.toMillis();
		if (millis % 1000 == 0) {
			return (millis / 1000) + "s";
		}
		if (millis < 1000) {
			return millis + "ms";
		}
		return String.format(Locale.ROOT, "%.1fs", millis / 1000.0);
	}

	/** Whole seconds, rounded up and at least one, as a {@code Retry-After} header would say. */
	static Duration retryAfter(long nanos) {
		long seconds = (nanos <= 0) ? 1 : nanos / NANOS_PER_SECOND + ((nanos % NANOS_PER_SECOND == 0) ? 0 : 1);
		return Duration.ofSeconds(Math.max(1, seconds));
	}

	static String demand(Demand demand, boolean requestsOnly) {
		if (requestsOnly) {
			return "1 retry request";
		}
		return (demand.totalTokens() > 0) ? "1 request and " + count(demand.totalTokens()) + " tokens" : "1 request";
	}

	static long nanos(Duration duration) {
		if (duration.isNegative()) {
			return 0;
		}
		try {
			return duration.toNanos();
		}
		catch (ArithmeticException ex) {
			return Long.MAX_VALUE;
		}
	}

}

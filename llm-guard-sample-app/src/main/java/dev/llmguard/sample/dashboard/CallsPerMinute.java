package dev.llmguard.sample.dashboard;

import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How many guarded calls ended in each minute of the last hour, by outcome: a ring of
 * {@value #MINUTES} minutes, each with one counter per outcome. Fixed size whatever the traffic; an
 * outcome the guard may add later is counted as {@value #OTHER}.
 */
final class CallsPerMinute {

	static final int MINUTES = 60;

	/** The outcomes of {@code GuardEvent.CallFinished}, in the order the chart stacks them. */
	static final List<String> OUTCOMES = List.of("success", "cached_response", "fallback_response", "rate_limited",
			"budget_exceeded", "failed");

	static final String OTHER = "other";

	/** The epoch minute each slot counts, or -1 for none yet. */
	private final long[] minutes = new long[MINUTES];

	private final int[][] counts = new int[MINUTES][OUTCOMES.size() + 1];

	CallsPerMinute() {
		Arrays.fill(this.minutes, -1);
	}

	/** Counts one call that ended at {@code time}; a call older than the hour the ring holds is dropped. */
	synchronized void record(Instant time, String outcome) {
		long minute = Math.floorDiv(time.getEpochSecond(), 60);
		int slot = (int) Math.floorMod(minute, MINUTES);
		if (this.minutes[slot] != minute) {
			if (this.minutes[slot] > minute) {
				return;
			}
			this.minutes[slot] = minute;
			Arrays.fill(this.counts[slot], 0);
		}
		int index = OUTCOMES.indexOf(outcome);
		this.counts[slot][(index >= 0) ? index : OUTCOMES.size()]++;
	}

	/**
	 * The last {@value #MINUTES} minutes up to and including the one of {@code now}, oldest first.
	 * @param now the guard's clock
	 * @return the counts by outcome; {@value #OTHER} only when some call had an unknown outcome
	 */
	synchronized Series lastHour(Instant now) {
		long last = Math.floorDiv(now.getEpochSecond(), 60);
		long first = last - MINUTES + 1;
		int[][] byOutcome = new int[OUTCOMES.size() + 1][MINUTES];
		for (long minute = first; minute <= last; minute++) {
			int slot = (int) Math.floorMod(minute, MINUTES);
			if (this.minutes[slot] == minute) {
				for (int outcome = 0; outcome <= OUTCOMES.size(); outcome++) {
					byOutcome[outcome][(int) (minute - first)] = this.counts[slot][outcome];
				}
			}
		}
		Map<String, int[]> outcomes = new LinkedHashMap<>();
		for (int outcome = 0; outcome < OUTCOMES.size(); outcome++) {
			outcomes.put(OUTCOMES.get(outcome), byOutcome[outcome]);
		}
		if (Arrays.stream(byOutcome[OUTCOMES.size()]).anyMatch((count) -> count > 0)) {
			outcomes.put(OTHER, byOutcome[OUTCOMES.size()]);
		}
		return new Series(Instant.ofEpochSecond(first * 60), MINUTES, outcomes);
	}

	/**
	 * Calls per minute by outcome.
	 *
	 * @param from the start of the first minute
	 * @param minutes how many minutes each outcome's counts cover
	 * @param outcomes each outcome's count per minute, oldest first
	 */
	record Series(Instant from, int minutes, Map<String, int[]> outcomes) {
	}

}

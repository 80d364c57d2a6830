package dev.llmguard.autoconfigure;

/** Priorities of calls ({@code llm.guard.priority.*}). */
public class PriorityProperties {

	/** Shares of each bucket that only more urgent calls may use. */
	private final Reserve reserve = new Reserve();

	public Reserve getReserve() {
		return this.reserve;
	}

	/** Shares of each bucket that only more urgent calls may use, each in [0, 1). */
	public static class Reserve {

		/** Share of each bucket that normal calls (priorities 4-7) cannot take. */
		private double normal = 0.1;

		/**
		 * Share of each bucket that low-priority calls (priorities 8-10) cannot take; at least
		 * the normal reserve.
		 */
		private double low = 0.3;

		public double getNormal() {
			return this.normal;
		}

		public void setNormal(double normal) {
			this.normal = normal;
		}

		public double getLow() {
			return this.low;
		}

		public void setLow(double low) {
			this.low = low;
		}

	}

}

package dev.llmguard.core.config;

/**
 * Shares of every bucket that only more urgent calls may use.
 *
 * @param normal share that priorities 4-7 cannot take
 * @param low share that priorities 8-10 cannot take
 */
public record PriorityReserve(double normal, double low) {

	public static final PriorityReserve DEFAULT = new PriorityReserve(0.1, 0.3);

	public static final PriorityReserve NONE = new PriorityReserve(0, 0);

	/** The share kept away from calls of the given class. */
	public double reservedFor(dev.llmguard.core.model.Priority priority) {
		return switch (priority) {
			case URGENT -> 0;
			case NORMAL -> this.normal;
			case LOW -> this.low;
		};
	}

}

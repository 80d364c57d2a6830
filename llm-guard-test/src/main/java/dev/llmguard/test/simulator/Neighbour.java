package dev.llmguard.test.simulator;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * Another service drawing from the same key as the application under test, which that application
 * cannot see: it takes a share of the simulator's per-minute limits, steadily or varying between two
 * shares over a period, and its draws are in no stats and no request log. Only the remaining counts
 * of the rate-limit headers (and the 429s) show it.
 * <p>
 * Against the default {@link RateLimiting#TOKEN_BUCKET} counting it draws continuously: a bucket
 * refills at {@code (1 - share)} of its limit while it is not full. Against
 * {@link RateLimiting#SLIDING_WINDOW} its share is drawn each time the simulator looks at its windows.
 *
 * @param minShare the smallest share of the limits it takes, 0 to 1
 * @param maxShare the largest share, {@code minShare} to 1
 * @param period how long one cycle from the smallest share to the largest and back takes; zero for a
 * steady share
 */
public record Neighbour(double minShare, double maxShare, Duration period) {

	public Neighbour {
		Objects.requireNonNull(period, "period");
		if (!(minShare >= 0.0 && minShare <= 1.0) || !(maxShare >= minShare && maxShare <= 1.0)) {
			throw new IllegalArgumentException(
					"a neighbour's shares must be 0 <= min <= max <= 1 but were " + minShare + " and " + maxShare);
		}
		if (period.isNegative() || (period.isZero() && minShare != maxShare)) {
			throw new IllegalArgumentException("a varying neighbour needs a positive period but had " + period);
		}
	}

	/**
	 * A neighbour that always takes the same share.
	 * @param share the share of every per-minute limit, 0 to 1
	 * @return the neighbour
	 */
	public static Neighbour steady(double share) {
		return new Neighbour(share, share, Duration.ZERO);
	}

	/**
	 * A neighbour whose share moves smoothly from {@code minShare} up to {@code maxShare} and back once
	 * per period, starting at the smallest.
	 * @param minShare the smallest share
	 * @param maxShare the largest share
	 * @param period one cycle
	 * @return the neighbour
	 */
	public static Neighbour varying(double minShare, double maxShare, Duration period) {
		return new Neighbour(minShare, maxShare, period);
	}

	/**
	 * The share it takes at a moment.
	 * @param sinceStart time since the neighbour started
	 * @return the share, 0 to 1
	 */
	public double shareAt(Duration sinceStart) {
		if (this.minShare == this.maxShare) {
			return this.minShare;
		}
		double phase = 2 * Math.PI * (sinceStart.toMillis() % this.period.toMillis()) / this.period.toMillis();
		return this.minShare + (this.maxShare - this.minShare) * (1 - Math.cos(phase)) / 2;
	}

	/**
	 * Reads {@code 0.4} (steady) or {@code 0.2-0.6/2m} (varying between the shares over the period).
	 * @param text the text
	 * @return the neighbour
	 * @throws IllegalArgumentException when the text is neither
	 */
	public static Neighbour parse(String text) {
		String value = text.trim();
		try {
			int slash = value.indexOf('/');
			if (slash < 0) {
				return steady(Double.parseDouble(value));
			}
			String[] shares = value.substring(0, slash).split("-");
			if (shares.length != 2) {
				throw new NumberFormatException(value);
			}
			return varying(Double.parseDouble(shares[0].trim()), Double.parseDouble(shares[1].trim()),
					ProviderSimulatorMain.parseDuration(value.substring(slash + 1)));
		}
		catch (NumberFormatException ex) {
			throw new IllegalArgumentException("'" + text + "' is not a neighbour; use a share such as 0.4, or "
					+ "MIN-MAX/PERIOD such as 0.2-0.6/2m");
		}
	}

	@Override
	public String toString() {
		if (this.minShare == this.maxShare) {
			return String.format(Locale.ROOT, "%.2f", this.minShare);
		}
		return String.format(Locale.ROOT, "%.2f-%.2f/%ds", this.minShare, this.maxShare, this.period.toSeconds());
	}

}

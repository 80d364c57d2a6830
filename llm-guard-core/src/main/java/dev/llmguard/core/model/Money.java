package dev.llmguard.core.model;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * Money is counted in whole nano-dollars ({@code long}); conversions to and from US dollars go
 * through {@link BigDecimal}, never {@code double}.
 */
public final class Money {

	/** Nano-dollars in one dollar. */
	public static final long NANOS_PER_USD = 1_000_000_000L;

	private static final BigDecimal NANOS = BigDecimal.valueOf(NANOS_PER_USD);

	private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000L);

	private Money() {
	}

	/** Dollars to nano-dollars, rounded up so a limit is never loosened. */
	public static long fromUsd(BigDecimal usd) {
		return usd.multiply(NANOS).setScale(0, RoundingMode.CEILING).longValueExact();
	}

	/** Nano-dollars to dollars, exact. */
	public static BigDecimal toUsd(long nanos) {
		return BigDecimal.valueOf(nanos).divide(NANOS).stripTrailingZeros();
	}

	/**
	 * The cost of some tokens at a price per million tokens, in nano-dollars, rounded up.
	 * @param tokens the number of tokens
	 * @param usdPerMillionTokens the price in USD per 1M tokens
	 * @return nano-dollars
	 */
	public static long cost(long tokens, BigDecimal usdPerMillionTokens) {
		if (tokens == 0 || usdPerMillionTokens.signum() == 0) {
			return 0;
		}
		return BigDecimal.valueOf(tokens)
			.multiply(usdPerMillionTokens)
			.multiply(NANOS)
			.divide(MILLION, 0, RoundingMode.CEILING)
			.longValueExact();
	}

	/**
	 * A price per million tokens as whole nano-dollars per million tokens, for {@link #cost(long, long,
	 * BigDecimal)}; {@code -1} when it has more than nine decimals or does not fit a {@code long}.
	 * @param usdPerMillionTokens the price in USD per 1M tokens
	 * @return nano-dollars per 1M tokens, or {@code -1}
	 */
	public static long nanosPerMillionTokens(BigDecimal usdPerMillionTokens) {
		try {
			return usdPerMillionTokens.multiply(NANOS).longValueExact();
		}
		catch (ArithmeticException ex) {
			return -1;
		}
	}

	/**
	 * {@link #cost(long, BigDecimal)} in integer arithmetic when the price is whole nano-dollars per
	 * million tokens and the product fits a {@code long}, with the same result.
	 * @param tokens the number of tokens
	 * @param nanosPerMillionTokens from {@link #nanosPerMillionTokens}, or {@code -1}
	 * @param usdPerMillionTokens the same price, used when integer arithmetic cannot be
	 * @return nano-dollars, rounded up
	 */
	public static long cost(long tokens, long nanosPerMillionTokens, BigDecimal usdPerMillionTokens) {
		if (nanosPerMillionTokens >= 0 && tokens >= 0) {
			long high = Math.multiplyHigh(tokens, nanosPerMillionTokens);
			long product = tokens * nanosPerMillionTokens;
			if (high == 0 && product >= 0) {
				long whole = product / 1_000_000L;
				return (product % 1_000_000L == 0) ? whole : whole + 1;
			}
		}
		return cost(tokens, usdPerMillionTokens);
	}

	/** Formats nano-dollars as {@code $1.234567}. */
	public static String format(long nanos) {
		return "$" + toUsd(nanos).setScale(Math.max(2, toUsd(nanos).scale()), RoundingMode.UNNECESSARY).toPlainString();
	}

}

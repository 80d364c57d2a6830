package dev.llmguard.core;

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

	/** Formats nano-dollars as {@code $1.234567}. */
	public static String format(long nanos) {
		return "$" + toUsd(nanos).setScale(Math.max(2, toUsd(nanos).scale()), RoundingMode.UNNECESSARY).toPlainString();
	}

}

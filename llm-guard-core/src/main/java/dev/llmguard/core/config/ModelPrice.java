package dev.llmguard.core.config;

import java.math.BigDecimal;
import java.util.Objects;

/**
 * Prices of a model in USD per one million tokens.
 *
 * @param input price of input tokens
 * @param cachedInput price of input tokens served from the provider's cache (defaults to {@code input})
 * @param output price of output tokens
 * @param cacheWrite price of input tokens written to the provider's cache with its default five-minute
 * lifetime, for providers that bill cache writes (Anthropic: 1.25 × input); {@code null} when not
 * declared: reported cache writes are then priced at {@link #CACHE_WRITE_FACTOR} × input, and the worst
 * case of a call does not count on them
 */
public record ModelPrice(BigDecimal input, BigDecimal cachedInput, BigDecimal output, BigDecimal cacheWrite) {

	/** Anthropic's price of a five-minute cache write, as a multiple of the input price. */
	public static final BigDecimal CACHE_WRITE_FACTOR = new BigDecimal("1.25");

	/** Anthropic's price of a one-hour cache write, as a multiple of the input price. */
	public static final BigDecimal CACHE_WRITE_1H_FACTOR = new BigDecimal("2");

	public ModelPrice {
		Objects.requireNonNull(input, "input");
		Objects.requireNonNull(output, "output");
		if (cachedInput == null) {
			cachedInput = input;
		}
	}

	public ModelPrice(BigDecimal input, BigDecimal cachedInput, BigDecimal output) {
		this(input, cachedInput, output, null);
	}

	public static ModelPrice of(String input, String cachedInput, String output) {
		return of(input, cachedInput, output, null);
	}

	public static ModelPrice of(String input, String cachedInput, String output, String cacheWrite) {
		return new ModelPrice(new BigDecimal(input), (cachedInput != null) ? new BigDecimal(cachedInput) : null,
				new BigDecimal(output), (cacheWrite != null) ? new BigDecimal(cacheWrite) : null);
	}

	/**
	 * Whether the model declares a price for cache writes, so a call may be billed for them.
	 * @return {@code true} when {@link #cacheWrite} is set
	 */
	public boolean billsCacheWrites() {
		return this.cacheWrite != null;
	}

	/**
	 * The price of a five-minute cache write: declared, else {@link #CACHE_WRITE_FACTOR} × input.
	 * @return USD per 1M tokens
	 */
	public BigDecimal fiveMinuteCacheWrite() {
		return (this.cacheWrite != null) ? this.cacheWrite : this.input.multiply(CACHE_WRITE_FACTOR);
	}

	/**
	 * The price of a one-hour cache write: {@link #CACHE_WRITE_1H_FACTOR} × input, Anthropic's rule.
	 * @return USD per 1M tokens
	 */
	public BigDecimal oneHourCacheWrite() {
		return this.input.multiply(CACHE_WRITE_1H_FACTOR);
	}

}

package dev.llmguard.core.pricing;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.llmguard.core.config.GuardSettings;
import dev.llmguard.core.config.ModelPrice;
import dev.llmguard.core.config.ModelSpec;
import dev.llmguard.core.model.ModelRef;
import dev.llmguard.core.model.Money;
import dev.llmguard.core.model.Usage;

/**
 * What models cost. A model's price is, in this order:
 * <ol>
 * <li>the price configured for it ({@code llm.guard.providers.<provider>.models.<model>.input-price}, …);</li>
 * <li>the built-in price of a well-known model (see {@link #builtInPrice(String)}), as published by
 * its vendor on {@link #PRICES_AS_OF};</li>
 * <li>{@code llm.guard.default-input-price} and {@code default-output-price}, with one WARN per model,
 * so a budget still counts something for a model nobody priced.</li>
 * </ol>
 * Costs are exact: integer nano-dollars computed through {@link BigDecimal}, each part rounded up.
 */
public final class PricingCatalog {

	/**
	 * The day the built-in prices were read from the vendors' price lists. Prices change: configure a
	 * model's price to override its built-in one.
	 */
	public static final LocalDate PRICES_AS_OF = LocalDate.of(2026, 11, 1);

	private static final Logger logger = LoggerFactory.getLogger(PricingCatalog.class);

	/** Unpriced models remembered as warned; model names can come from requests, so the set is bounded. */
	private static final int MAX_WARNED_MODELS = 1_000;

	/** Models whose resolved prices are kept; names can come from requests, so the map is bounded. */
	private static final int MAX_RATED_MODELS = 1_000;

	/** USD per 1M tokens: input, cached input, output (and cache write where the vendor bills it). */
	private static final Map<String, ModelPrice> BUILT_IN = Map.ofEntries(
			// OpenAI; the first gpt-4o snapshot kept its launch price (and has no cached-input discount)
			price("gpt-4o", "2.50", "1.25", "10.00"), price("gpt-4o-2024-05-13", "5.00", null, "15.00"),
			price("gpt-4o-mini", "0.15", "0.075", "0.60"),
			price("gpt-4.1", "2.00", "0.50", "8.00"), price("gpt-4.1-mini", "0.40", "0.10", "1.60"),
			price("gpt-4.1-nano", "0.10", "0.025", "0.40"), price("o3", "2.00", "0.50", "8.00"),
			price("o4-mini", "1.10", "0.275", "4.40"), price("gpt-5", "1.25", "0.125", "10.00"),
			price("gpt-5-mini", "0.25", "0.025", "2.00"), price("gpt-5-nano", "0.05", "0.005", "0.40"),
			// Anthropic: input, cache read, output, five-minute cache write (1.25 x input; one-hour writes 2 x)
			price("claude-opus-4-1", "15", "1.50", "75", "18.75"), price("claude-sonnet-4-5", "3", "0.30", "15", "3.75"),
			price("claude-sonnet-4", "3", "0.30", "15", "3.75"), price("claude-haiku-4-5", "1", "0.10", "5", "1.25"),
			price("claude-3-5-haiku", "0.80", "0.08", "4", "1.00"),
			// Google
			price("gemini-2.5-pro", "1.25", "0.31", "10"), price("gemini-2.5-flash", "0.30", "0.075", "2.50"),
			price("gemini-2.5-flash-lite", "0.10", "0.025", "0.40"),
			// DeepSeek
			price("deepseek-chat", "0.27", "0.07", "1.10"), price("deepseek-reasoner", "0.55", "0.14", "2.19"));

	/**
	 * Long-context prices, USD per 1M tokens as of {@link #PRICES_AS_OF}: a request whose input (cache
	 * reads and writes included) is above the threshold is billed wholly at the higher price.
	 */
	private static final Map<String, LongContext> LONG_CONTEXT = Map.of(
			// Google: prompts above 200k tokens
			"gemini-2.5-pro", new LongContext(200_000, ModelPrice.of("2.50", "0.625", "15")),
			// Anthropic, 1M-token context: input above 200k tokens (cache writes 1.25 x, reads 0.1 x the higher input)
			"claude-sonnet-4-5", new LongContext(200_000, ModelPrice.of("6", "0.60", "22.50", "7.50")),
			"claude-sonnet-4", new LongContext(200_000, ModelPrice.of("6", "0.60", "22.50", "7.50")));

	/**
	 * Input estimates are a tokenizer's guess (OpenAI's encoding for every vendor); a worst case takes
	 * the long-context price once the estimate is within this share of the threshold.
	 */
	private static final int ESTIMATE_MARGIN_PERCENT = 25;

	private final GuardSettings settings;

	private final ModelPrice defaultPrice;

	private final Cache<ModelRef, Boolean> warned = Caffeine.newBuilder()
		.maximumSize(MAX_WARNED_MODELS)
		.executor(Runnable::run)
		.build();

	/** Each model's price as resolved by {@link #priceOf}, ready for integer arithmetic. */
	private final Map<ModelRef, Rates> rates = new ConcurrentHashMap<>();

	/**
	 * @param settings the configuration: configured model prices and the default prices
	 */
	public PricingCatalog(GuardSettings settings) {
		this.settings = Objects.requireNonNull(settings, "settings");
		this.defaultPrice = new ModelPrice(settings.defaultInputPrice(), null, settings.defaultOutputPrice());
	}

	/**
	 * The price of a model: configured, else built-in, else the default prices (with one WARN for
	 * that model).
	 * @param model the model
	 * @return its prices in USD per 1M tokens
	 */
	public ModelPrice priceOf(ModelRef model) {
		Optional<ModelPrice> configured = this.settings.model(model).map(ModelSpec::price);
		if (configured.isPresent()) {
			return configured.get();
		}
		Optional<ModelPrice> builtIn = builtInPrice(model.model());
		if (builtIn.isPresent()) {
			return builtIn.get();
		}
		if (this.warned.asMap().putIfAbsent(model, Boolean.TRUE) == null) {
			logger.warn("llm-guard knows no price for model {}: its calls are counted at the default prices of "
					+ "{} per 1M input tokens and {} per 1M output tokens. Set "
					+ "llm.guard.providers.{}.models.{}.input-price and output-price to count them right.", model,
					usd(this.defaultPrice.input()), usd(this.defaultPrice.output()), model.provider(),
					model.model());
		}
		return this.defaultPrice;
	}

	/**
	 * The cost of a call's usage: cache reads at the cached-input price, cache writes at the
	 * cache-write price (one-hour writes at twice the input price), the other input tokens at the
	 * input price, output tokens at the output price, each part rounded up to a whole nano-dollar.
	 * @param model the model that was called
	 * @param usage the tokens it used
	 * @return the cost in nano-dollars
	 */
	public long costNanos(ModelRef model, Usage usage) {
		Rates rates = ratesOf(model).forInput(usage.inputTokens());
		long oneHourWrites = usage.cacheWrite1hInputTokens();
		long fiveMinuteWrites = usage.cacheWriteInputTokens() - oneHourWrites;
		long cost = Money.cost(usage.uncachedInputTokens(), rates.input, rates.price.input());
		cost = Math.addExact(cost, Money.cost(usage.cachedInputTokens(), rates.cachedInput, rates.price.cachedInput()));
		cost = Math.addExact(cost, Money.cost(fiveMinuteWrites, rates.cacheWrite, rates.price.fiveMinuteCacheWrite()));
		cost = Math.addExact(cost, Money.cost(oneHourWrites, rates.cacheWrite1h, rates.price.oneHourCacheWrite()));
		return Math.addExact(cost, Money.cost(usage.outputTokens(), rates.output, rates.price.output()));
	}

	/**
	 * The most a call can cost before it is made: every input token at the highest price an input
	 * token can be billed (a cache hit is not known in advance; a model that bills cache writes may
	 * write the whole prompt with the one-hour lifetime) and the full output allowance, at the
	 * long-context price when the input estimate comes near the model's long-context threshold (the
	 * estimate may fall short of what the provider counts).
	 * @param model the model to call
	 * @param inputTokens the estimated input tokens
	 * @param outputTokens the maximum output tokens
	 * @return the cost in nano-dollars
	 */
	public long worstCaseCostNanos(ModelRef model, long inputTokens, long outputTokens) {
		if (inputTokens < 0 || outputTokens < 0) {
			throw new IllegalArgumentException(
					"token counts cannot be negative: input=" + inputTokens + ", output=" + outputTokens);
		}
		Rates rates = ratesOf(model).forEstimate(inputTokens);
		return Math.addExact(Money.cost(inputTokens, rates.worstInput, rates.worstInputPrice),
				Money.cost(outputTokens, rates.output, rates.price.output()));
	}

	/** The model's resolved price, kept after the first call: resolving reads settings and built-in names. */
	private Rates ratesOf(ModelRef model) {
		Rates known = this.rates.get(model);
		if (known != null) {
			return known;
		}
		Rates resolved = new Rates(priceOf(model), longContextOf(model));
		if (this.rates.size() < MAX_RATED_MODELS) {
			this.rates.putIfAbsent(model, resolved);
		}
		return resolved;
	}

	/**
	 * The long-context price of a model that has one: only a built-in price has it (a configured price
	 * is the price of every call).
	 */
	private LongContext longContextOf(ModelRef model) {
		if (this.settings.model(model).map(ModelSpec::price).isPresent()) {
			return null;
		}
		String name = builtInName(model.model());
		return (name != null) ? LONG_CONTEXT.get(name) : null;
	}

	/** A higher price for requests whose input is above a number of tokens. */
	private record LongContext(long aboveInputTokens, ModelPrice price) {
	}

	/** A price with its parts in nano-dollars per million tokens ({@code -1} where not whole). */
	private static final class Rates {

		private final ModelPrice price;

		private final long input;

		private final long cachedInput;

		private final long cacheWrite;

		private final long cacheWrite1h;

		private final long output;

		/** The highest price of an input token: the input price, or a cache write's where they are billed. */
		private final BigDecimal worstInputPrice;

		private final long worstInput;

		/** Input tokens above which {@link #longContext} applies; {@code Long.MAX_VALUE} for none. */
		private final long threshold;

		private final Rates longContext;

		Rates(ModelPrice price, LongContext longContext) {
			this.price = price;
			this.input = Money.nanosPerMillionTokens(price.input());
			this.cachedInput = Money.nanosPerMillionTokens(price.cachedInput());
			this.cacheWrite = Money.nanosPerMillionTokens(price.fiveMinuteCacheWrite());
			this.cacheWrite1h = Money.nanosPerMillionTokens(price.oneHourCacheWrite());
			this.output = Money.nanosPerMillionTokens(price.output());
			this.worstInputPrice = price.billsCacheWrites()
					? price.input().max(price.fiveMinuteCacheWrite()).max(price.oneHourCacheWrite()) : price.input();
			this.worstInput = Money.nanosPerMillionTokens(this.worstInputPrice);
			this.threshold = (longContext != null) ? longContext.aboveInputTokens() : Long.MAX_VALUE;
			this.longContext = (longContext != null) ? new Rates(longContext.price(), null) : null;
		}

		/** The rates a request with this many input tokens is billed at. */
		Rates forInput(long inputTokens) {
			return (inputTokens > this.threshold) ? this.longContext : this;
		}

		/** The rates a request estimated at this many input tokens may be billed at, the higher when in doubt. */
		Rates forEstimate(long inputTokens) {
			if (this.longContext == null) {
				return this;
			}
			long margin = inputTokens / 100 * ESTIMATE_MARGIN_PERCENT
					+ inputTokens % 100 * ESTIMATE_MARGIN_PERCENT / 100;
			return forInput(Math.addExact(inputTokens, margin));
		}

	}

	/**
	 * The built-in price of a model, by name whatever its provider. A name matches a known model
	 * exactly (ignoring case and a leading {@code models/}), or as a known name followed by {@code -}
	 * and a date or version (a digit), {@code latest} or {@code preview}: {@code gpt-4o-2024-08-06}
	 * and {@code claude-3-5-haiku-latest} get their family's price, the longest known name winning,
	 * so {@code gpt-4o-mini-2024-07-18} is priced as {@code gpt-4o-mini}. Other variants
	 * ({@code o3-mini}, {@code o3-pro}, {@code gpt-4o-audio-preview}) are priced differently by their
	 * vendors and are not guessed; a snapshot its vendor prices apart from its family
	 * ({@code gpt-4o-2024-05-13}) has its own entry. Models with a long-context price
	 * ({@code gemini-2.5-pro}, {@code claude-sonnet-4-5}, {@code claude-sonnet-4} above 200k input
	 * tokens) are billed at it by {@link #costNanos} and reserved at it by {@link #worstCaseCostNanos};
	 * this is their price up to the threshold.
	 * @param model the model name as the provider knows it
	 * @return the price, or empty for a model not built in
	 */
	public static Optional<ModelPrice> builtInPrice(String model) {
		String name = builtInName(model);
		return Optional.ofNullable((name != null) ? BUILT_IN.get(name) : null);
	}

	/** The built-in name a model is priced as (itself, else its family), or {@code null}. */
	private static String builtInName(String model) {
		String name = model.toLowerCase(Locale.ROOT);
		if (name.startsWith("models/")) {
			name = name.substring("models/".length());
		}
		if (BUILT_IN.containsKey(name)) {
			return name;
		}
		String family = null;
		for (String known : BUILT_IN.keySet()) {
			if (isSnapshotOf(name, known) && (family == null || known.length() > family.length())) {
				family = known;
			}
		}
		return family;
	}

	/** The built-in prices by model name, USD per 1M tokens, as of {@link #PRICES_AS_OF}. */
	public static Map<String, ModelPrice> builtInPrices() {
		return BUILT_IN;
	}

	private static boolean isSnapshotOf(String name, String known) {
		if (name.length() <= known.length() + 1 || !name.startsWith(known) || name.charAt(known.length()) != '-') {
			return false;
		}
		String suffix = name.substring(known.length() + 1);
		return Character.isDigit(suffix.charAt(0)) || suffix.startsWith("latest") || suffix.startsWith("preview");
	}

	private static String usd(BigDecimal usd) {
		return "$" + usd.toPlainString();
	}

	private static Map.Entry<String, ModelPrice> price(String model, String input, String cachedInput,
			String output) {
		return Map.entry(model, ModelPrice.of(input, cachedInput, output));
	}

	private static Map.Entry<String, ModelPrice> price(String model, String input, String cachedInput,
			String output, String cacheWrite) {
		return Map.entry(model, ModelPrice.of(input, cachedInput, output, cacheWrite));
	}

}

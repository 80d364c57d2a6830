package dev.llmguard.core.pricing;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.Map;
import java.util.function.LongSupplier;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.slf4j.LoggerFactory;

import dev.llmguard.core.config.GuardSettings;
import dev.llmguard.core.config.ModelPrice;
import dev.llmguard.core.config.ModelSpec;
import dev.llmguard.core.config.ProviderSpec;
import dev.llmguard.core.model.ModelRef;
import dev.llmguard.core.model.Money;
import dev.llmguard.core.model.Usage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class PricingCatalogTests {

	private final ListAppender<ILoggingEvent> logs = new ListAppender<>();

	private final Logger catalogLogger = (Logger) LoggerFactory.getLogger(PricingCatalog.class);

	private final PricingCatalog catalog = new PricingCatalog(GuardSettings.builder().build());

	@BeforeEach
	void captureLogs() {
		this.logs.start();
		this.catalogLogger.addAppender(this.logs);
	}

	@AfterEach
	void releaseLogs() {
		this.catalogLogger.detachAppender(this.logs);
	}

	@Test
	void knowsWellKnownModelsAsOfADate() {
		assertThat(PricingCatalog.PRICES_AS_OF).isEqualTo(LocalDate.of(2026, 11, 1));
		assertThat(this.catalog.priceOf(ModelRef.parse("openai/gpt-4o"))).isEqualTo(ModelPrice.of("2.50", "1.25", "10.00"));
		assertThat(this.catalog.priceOf(ModelRef.parse("anthropic/claude-opus-4-1")))
			.isEqualTo(ModelPrice.of("15", "1.50", "75", "18.75"));
		assertThat(this.catalog.priceOf(ModelRef.parse("google/gemini-2.5-flash-lite")))
			.isEqualTo(ModelPrice.of("0.10", "0.025", "0.40"));
		assertThat(this.catalog.priceOf(ModelRef.parse("deepseek/deepseek-reasoner")))
			.isEqualTo(ModelPrice.of("0.55", "0.14", "2.19"));
		assertThat(PricingCatalog.builtInPrices()).hasSize(21).allSatisfy((model, price) -> {
			assertThat(price.cachedInput()).isLessThanOrEqualTo(price.input());
			assertThat(price.input()).isPositive();
			assertThat(price.output()).isGreaterThanOrEqualTo(price.input());
		});
		assertThat(warnings()).isEmpty();
	}

	@ParameterizedTest(name = "{0} is priced as {1}")
	@CsvSource({ "gpt-4o-2024-08-06, gpt-4o", "gpt-4o-mini, gpt-4o-mini", "gpt-4o-mini-2024-07-18, gpt-4o-mini",
			"GPT-4o, gpt-4o", "gpt-4.1-nano-2025-04-14, gpt-4.1-nano", "o4-mini-2025-04-16, o4-mini",
			"gpt-5-mini-2025-08-07, gpt-5-mini", "claude-sonnet-4-5-20250929, claude-sonnet-4-5",
			"claude-sonnet-4-20250514, claude-sonnet-4", "claude-3-5-haiku-latest, claude-3-5-haiku",
			"gemini-2.5-flash-preview-09-2025, gemini-2.5-flash", "gemini-2.5-flash-lite-preview-06-17, gemini-2.5-flash-lite",
			"models/gemini-2.5-pro, gemini-2.5-pro" })
	void pricesSnapshotsAsTheirLongestKnownFamily(String model, String family) {
		assertThat(PricingCatalog.builtInPrice(model)).contains(PricingCatalog.builtInPrices().get(family));
	}

	@Test
	void aSnapshotPricedApartFromItsFamilyHasItsOwnPrice() {
		ModelRef first = ModelRef.parse("openai/gpt-4o-2024-05-13");

		assertThat(this.catalog.priceOf(first)).isEqualTo(ModelPrice.of("5.00", "5.00", "15.00"));
		assertThat(this.catalog.costNanos(first, new Usage(1_000_000, 1_000_000)))
			.isEqualTo(Money.fromUsd(new BigDecimal("20")));
		assertThat(this.catalog.priceOf(ModelRef.parse("openai/gpt-4o-2024-08-06")))
			.isEqualTo(ModelPrice.of("2.50", "1.25", "10.00"));
	}

	@Test
	void aLongPromptToGemini25ProIsBilledWhollyAtTheLongContextPrice() {
		ModelRef pro = ModelRef.parse("google/gemini-2.5-pro");

		// up to 200k input tokens: $1.25 in, $10 out per 1M
		assertThat(this.catalog.costNanos(pro, new Usage(200_000, 10_000)))
			.isEqualTo(Money.fromUsd(new BigDecimal("0.25").add(new BigDecimal("0.10"))));
		// above: $2.50 in, $15 out per 1M, for the whole request; cache reads count towards the threshold
		assertThat(this.catalog.costNanos(pro, new Usage(200_001, 10_000)))
			.isEqualTo(Money.fromUsd(new BigDecimal("0.5000025").add(new BigDecimal("0.15"))));
		assertThat(this.catalog.costNanos(ModelRef.parse("google/models/gemini-2.5-pro"),
				new Usage(300_000, 0, 100_000)))
			.isEqualTo(Money.fromUsd(new BigDecimal("0.50").add(new BigDecimal("0.0625"))));
	}

	@Test
	void aLongPromptToClaudeSonnetIsBilledAtTheLongContextPriceCacheIncluded() {
		ModelRef sonnet = ModelRef.parse("anthropic/claude-sonnet-4-5-20250929");

		// 150k written to the cache + 60k read + 1k plain = 211k input: $7.50, $0.60, $6 per 1M; output $22.50
		assertThat(this.catalog.costNanos(sonnet, new Usage(211_000, 1_000, 60_000, 150_000, 0)))
			.isEqualTo(Money.fromUsd(new BigDecimal("1.125").add(new BigDecimal("0.036"))
				.add(new BigDecimal("0.006"))
				.add(new BigDecimal("0.0225"))));
	}

	@Test
	void theWorstCaseTakesTheLongContextPriceWhenTheEstimateComesNearTheThreshold() {
		ModelRef pro = ModelRef.parse("google/gemini-2.5-pro");

		assertThat(this.catalog.worstCaseCostNanos(pro, 100_000, 1_000))
			.isEqualTo(Money.fromUsd(new BigDecimal("0.125").add(new BigDecimal("0.01"))));
		// 190k estimated: the provider may count more than 200k
		assertThat(this.catalog.worstCaseCostNanos(pro, 190_000, 1_000))
			.isEqualTo(Money.fromUsd(new BigDecimal("0.475").add(new BigDecimal("0.015"))));
		assertThat(this.catalog.worstCaseCostNanos(pro, 300_000, 1_000))
			.isGreaterThanOrEqualTo(this.catalog.costNanos(pro, new Usage(300_000, 1_000)));
	}

	@Test
	void aConfiguredPriceHasNoLongContextPrice() {
		ModelRef pro = ModelRef.parse("google/gemini-2.5-pro");
		PricingCatalog catalog = new PricingCatalog(GuardSettings.builder()
			.provider(new ProviderSpec("google", null, null, null, null,
					Map.of("gemini-2.5-pro", new ModelSpec(pro, ModelPrice.of("1.00", null, "8.00"), null, null, null))))
			.build());

		assertThat(catalog.costNanos(pro, new Usage(1_000_000, 0))).isEqualTo(Money.fromUsd(BigDecimal.ONE));
	}

	@ParameterizedTest
	@CsvSource({ "o3-mini", "o3-pro", "gpt-4o-audio-preview", "gpt-5-pro", "gpt-4", "claude-opus-4", "gpt-4o-",
			"llama-3.3-70b" })
	void doesNotGuessTheFamilyOfOtherVariants(String model) {
		assertThat(PricingCatalog.builtInPrice(model)).isEmpty();
	}

	@Test
	void aConfiguredPriceOverridesTheBuiltInOne() {
		ModelRef gpt4o = ModelRef.parse("azure/gpt-4o");
		ModelPrice negotiated = ModelPrice.of("2.00", null, "8.00");
		PricingCatalog catalog = new PricingCatalog(GuardSettings.builder()
			.provider(new ProviderSpec("azure", null, null, null, null,
					Map.of("gpt-4o", new ModelSpec(gpt4o, negotiated, null, null, null),
							"gpt-4o-mini", new ModelSpec(ModelRef.parse("azure/gpt-4o-mini"), null, null, null, null))))
			.build());

		assertThat(catalog.priceOf(gpt4o)).isEqualTo(negotiated);
		assertThat(catalog.priceOf(gpt4o).cachedInput()).isEqualByComparingTo("2.00");
		// configured without a price: the built-in price applies, whatever the provider is called
		assertThat(catalog.priceOf(ModelRef.parse("azure/gpt-4o-mini"))).isEqualTo(ModelPrice.of("0.15", "0.075", "0.60"));
		assertThat(catalog.priceOf(ModelRef.parse("openai/gpt-4o"))).isEqualTo(ModelPrice.of("2.50", "1.25", "10.00"));
	}

	@Test
	void anUnpricedModelCostsTheDefaultPricesWithOneWarning() {
		PricingCatalog catalog = new PricingCatalog(
				GuardSettings.builder().defaultPrices(new BigDecimal("4.00"), new BigDecimal("12.00")).build());
		ModelRef model = ModelRef.parse("local/llama-3.3-70b");

		for (int i = 0; i < 10; i++) {
			assertThat(catalog.priceOf(model)).isEqualTo(ModelPrice.of("4.00", "4.00", "12.00"));
			catalog.costNanos(model, new Usage(10, 10));
		}

		assertThat(warnings()).singleElement()
			.isEqualTo("llm-guard knows no price for model local/llama-3.3-70b: its calls are counted at the default "
					+ "prices of $4.00 per 1M input tokens and $12.00 per 1M output tokens. Set "
					+ "llm.guard.providers.local.models.llama-3.3-70b.input-price and output-price to count them right.");
		catalog.priceOf(ModelRef.parse("local/qwen-3"));
		assertThat(warnings()).hasSize(2);
	}

	@Test
	void costsCachedInputOtherInputAndOutputAtTheirOwnPrices() {
		// gpt-4o: 400 cached at $1.25, 600 at $2.50, 200 output at $10 per 1M
		long cost = this.catalog.costNanos(ModelRef.parse("openai/gpt-4o"), new Usage(1_000, 200, 400));
		assertThat(cost).isEqualTo(500_000 + 1_500_000 + 2_000_000);
		assertThat(Money.toUsd(cost)).isEqualByComparingTo("0.004");
		assertThat(this.catalog.costNanos(ModelRef.parse("openai/gpt-4o"), Usage.ZERO)).isZero();
	}

	@Test
	void costsCacheWritesAtTheCacheWritePriceAndOneHourWritesAtTwiceTheInputPrice() {
		ModelRef haiku = ModelRef.parse("anthropic/claude-haiku-4-5");
		// 1M each: plain input $1, cache read $0.10, five-minute write $1.25, one-hour write $2, output $5
		Usage usage = new Usage(4_000_000, 1_000_000, 1_000_000, 2_000_000, 1_000_000);

		assertThat(this.catalog.costNanos(haiku, usage))
			.isEqualTo(Money.fromUsd(new BigDecimal("1").add(new BigDecimal("0.10"))
				.add(new BigDecimal("1.25"))
				.add(new BigDecimal("2"))
				.add(new BigDecimal("5"))));
	}

	@Test
	void cacheWritesOfAModelWithoutACacheWritePriceCostAQuarterMoreThanInput() {
		ModelRef model = ModelRef.parse("bedrock/claude-like");
		PricingCatalog catalog = new PricingCatalog(GuardSettings.builder()
			.provider(new ProviderSpec("bedrock", null, null, null, null, Map.of("claude-like",
					new ModelSpec(model, ModelPrice.of("4.00", "0.40", "20.00"), null, null, null))))
			.build());

		assertThat(catalog.costNanos(model, new Usage(1_000_000, 0, 0, 1_000_000, 0)))
			.isEqualTo(Money.fromUsd(new BigDecimal("5.00")));
		// it declares no cache-write price: its worst case does not count on writes
		assertThat(catalog.worstCaseCostNanos(model, 1_000_000, 0)).isEqualTo(Money.fromUsd(new BigDecimal("4.00")));
	}

	@Test
	void theWorstCaseOfAModelThatBillsCacheWritesPricesItsInputAsOneHourWrites() {
		ModelRef haiku = ModelRef.parse("anthropic/claude-haiku-4-5");
		ModelRef configured = ModelRef.parse("anthropic/claude-house");
		PricingCatalog catalog = new PricingCatalog(GuardSettings.builder()
			.provider(new ProviderSpec("anthropic", null, null, null, null, Map.of("claude-house",
					new ModelSpec(configured, ModelPrice.of("2", "0.20", "10", "2.50"), null, null, null))))
			.build());

		// the whole prompt may be written to the cache for an hour: 2 x $1 per 1M, and $5 per 1M output
		assertThat(catalog.worstCaseCostNanos(haiku, 1_000_000, 1_000_000))
			.isEqualTo(Money.fromUsd(new BigDecimal("7")));
		assertThat(catalog.worstCaseCostNanos(configured, 1_000_000, 0)).isEqualTo(Money.fromUsd(new BigDecimal("4")));
		assertThat(catalog.costNanos(configured, new Usage(1_000_000, 0, 0, 1_000_000, 0)))
			.isEqualTo(Money.fromUsd(new BigDecimal("2.50")));
		// no cache writes at OpenAI: its worst case stays at the input price
		assertThat(catalog.worstCaseCostNanos(ModelRef.parse("openai/gpt-4o"), 1_000_000, 0))
			.isEqualTo(Money.fromUsd(new BigDecimal("2.50")));
	}

	@Test
	void costsAMillionTokensAtExactlyTheListPrice() {
		ModelRef opus = ModelRef.parse("anthropic/claude-opus-4-1");
		assertThat(this.catalog.costNanos(opus, new Usage(1_000_000, 1_000_000, 0)))
			.isEqualTo(Money.fromUsd(new BigDecimal("90")));
		assertThat(this.catalog.costNanos(ModelRef.parse("openai/gpt-4o-mini"), new Usage(1_000_000, 0, 1_000_000)))
			.isEqualTo(Money.fromUsd(new BigDecimal("0.075")));
	}

	@Test
	void roundsEachPartUpToAWholeNanoDollar() {
		ModelRef cheap = ModelRef.parse("local/cheap");
		PricingCatalog catalog = new PricingCatalog(GuardSettings.builder()
			.provider(new ProviderSpec("local", null, null, null, null,
					Map.of("cheap", new ModelSpec(cheap, ModelPrice.of("0.0001", "0.0001", "0.0001"), null, null,
							null))))
			.build());
		// 0.0001 USD per 1M tokens is 0.0001 nano-dollars a token: every non-empty part costs 1
		assertThat(catalog.costNanos(cheap, new Usage(3, 1, 1))).isEqualTo(3);
		assertThat(catalog.worstCaseCostNanos(cheap, 1, 1)).isEqualTo(2);
	}

	@ParameterizedTest
	@CsvSource({ "2.50", "0.075", "0.000000001", "0.0000000001", "15", "123456.789", "9223372036.854775807",
			"9999999999999" })
	void integerCostsEqualTheExactDecimalOnes(String usdPerMillion) {
		BigDecimal price = new BigDecimal(usdPerMillion);
		long nanosPerMillion = Money.nanosPerMillionTokens(price);
		for (long tokens : new long[] { 0, 1, 7, 999_999, 1_000_000, 1_000_001, 123_456_789, 4_000_000_000L,
				Long.MAX_VALUE / 1_000_000 }) {
			long count = tokens;
			assertThat(costOrOverflow(() -> Money.cost(count, nanosPerMillion, price)))
				.as("%d tokens at %s", tokens, price)
				.isEqualTo(costOrOverflow(() -> Money.cost(count, price)));
		}
		assertThat(Money.nanosPerMillionTokens(new BigDecimal("0.0000000001"))).isEqualTo(-1);
	}

	private static String costOrOverflow(LongSupplier cost) {
		try {
			return Long.toString(cost.getAsLong());
		}
		catch (ArithmeticException ex) {
			return "overflow";
		}
	}

	@Test
	void theWorstCaseCountsEveryInputTokenAtTheFullPrice() {
		ModelRef model = ModelRef.parse("openai/gpt-5");
		// 2,000 input at $1.25 and 1,024 output at $10 per 1M
		assertThat(this.catalog.worstCaseCostNanos(model, 2_000, 1_024)).isEqualTo(2_500_000 + 10_240_000);
		assertThat(this.catalog.worstCaseCostNanos(model, 2_000, 1_024))
			.isGreaterThanOrEqualTo(this.catalog.costNanos(model, new Usage(2_000, 1_024, 1_500)));
		assertThatIllegalArgumentException().isThrownBy(() -> this.catalog.worstCaseCostNanos(model, -1, 0));
	}

	private java.util.List<String> warnings() {
		return this.logs.list.stream()
			.filter((event) -> event.getLevel() == Level.WARN)
			.map(ILoggingEvent::getFormattedMessage)
			.toList();
	}

}

package dev.llmguard.autoconfigure;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.llmguard.core.config.BreakerPolicy;
import dev.llmguard.core.config.BreakerSettings;
import dev.llmguard.core.config.GuardSettings;
import dev.llmguard.core.model.ModelRef;

import static dev.llmguard.autoconfigure.StartupFailure.assertReports;
import static org.assertj.core.api.Assertions.assertThat;

/** Each invalid configuration of DESIGN.md §4 stops start-up with the key, the value and the fix. */
class LlmGuardConfigurationFailureTests {

	private static final String OPENAI = "llm.guard.providers.openai.";

	private static final String GPT_4O = OPENAI + "models.gpt-4o.";

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(LlmGuardAutoConfiguration.class));

	@ParameterizedTest
	@ValueSource(strings = { "requests-per-minute", "tokens-per-minute", "input-tokens-per-minute",
			"output-tokens-per-minute", "requests-per-day", "tokens-per-day" })
	void rejectsAZeroProviderLimit(String limit) {
		this.runner.withPropertyValues(OPENAI + limit + "=0")
			.run((context) -> assertReports(context, OPENAI + limit, "0", "a limit must be greater than 0",
					"Set " + OPENAI + limit + " to the provider's declared limit, or remove it for no limit."));
	}

	@ParameterizedTest
	@ValueSource(strings = { "requests-per-minute", "tokens-per-minute", "input-tokens-per-minute",
			"output-tokens-per-minute", "requests-per-day", "tokens-per-day" })
	void rejectsANegativeModelLimit(String limit) {
		this.runner.withPropertyValues(GPT_4O + limit + "=-5")
			.run((context) -> assertReports(context, GPT_4O + limit, "-5", "a limit must be greater than 0",
					"Set " + GPT_4O + limit));
	}

	@ParameterizedTest
	@ValueSource(strings = { OPENAI + "max-concurrent", GPT_4O + "context-window", GPT_4O + "max-output-tokens",
			"llm.guard.estimation.default-max-output-tokens", "llm.guard.events.buffer-size",
			"llm.guard.memory.max-budget-entries" })
	void rejectsNonPositiveCounts(String key) {
		this.runner.withPropertyValues(key + "=0")
			.run((context) -> assertReports(context, key, "0", "the value must be greater than 0",
					"Set " + key + " to a positive number"));
	}

	@Test
	void rejectsANegativeMaxWait() {
		this.runner.withPropertyValues(OPENAI + "max-wait=-1s")
			.run((context) -> assertReports(context, OPENAI + "max-wait", "PT-1S", "the duration must not be negative",
					"Set " + OPENAI + "max-wait to a duration of 0 or more"));
	}

	@Test
	void acceptsAZeroMaxWaitMeaningNeverWait() {
		this.runner.withPropertyValues(OPENAI + "max-wait=0s")
			.run((context) -> assertThat(context).hasNotFailed());
	}

	@Test
	void rejectsMaxOutputTokensLargerThanTheContextWindow() {
		this.runner.withPropertyValues(GPT_4O + "context-window=1000", GPT_4O + "max-output-tokens=2000")
			.run((context) -> assertReports(context, GPT_4O + "max-output-tokens", "2000",
					"larger than the model's context-window (1000)",
					"Set " + GPT_4O + "max-output-tokens to at most 1000."));
	}

	@Test
	void rejectsGuardingOtherRequestsWithoutABaseUrl() {
		this.runner.withPropertyValues(OPENAI + "guard-other-requests=true")
			.run((context) -> assertReports(context, OPENAI + "guard-other-requests", "true",
					"base-url is not set", "Set " + OPENAI + "base-url to the provider's API root, or remove "
							+ OPENAI + "guard-other-requests."));
	}

	@Test
	void rejectsABaseUrlThatIsNotAnHttpUrl() {
		this.runner.withPropertyValues(OPENAI + "base-url=api.openai.com")
			.run((context) -> assertReports(context, OPENAI + "base-url", "api.openai.com",
					"not an absolute http or https URL", "for example https://api.openai.com"));
	}

	@ParameterizedTest
	@ValueSource(strings = { "llm.guard.breaker.failures", GPT_4O + "breaker.failures" })
	void rejectsABreakerThatWouldOpenWithoutAFailure(String key) {
		this.runner.withPropertyValues(key + "=0")
			.run((context) -> assertReports(context, key, "0",
					"a circuit breaker opens after at least 1 failure within its window",
					"Set " + key + " to 1 or more, for example 5; to have no breaker set "
							+ key.replace("failures", "enabled") + "=false."));
	}

	@ParameterizedTest
	@ValueSource(strings = { "llm.guard.breaker.window", "llm.guard.breaker.open-for", "llm.guard.breaker.max-open",
			GPT_4O + "breaker.window", GPT_4O + "breaker.open-for", GPT_4O + "breaker.max-open" })
	void rejectsABreakerDurationThatIsNotPositive(String key) {
		this.runner.withPropertyValues(key + "=0s")
			.run((context) -> assertReports(context, key, "PT0S", "the duration must be longer than 0",
					"Set " + key + " to a positive duration"));
	}

	@Test
	void rejectsABreakerMaxOpenShorterThanItsOpenFor() {
		this.runner.withPropertyValues("llm.guard.breaker.open-for=5m", "llm.guard.breaker.max-open=1m")
			.run((context) -> assertReports(context, "llm.guard.breaker.max-open", "PT1M",
					"shorter than open-for (PT5M)",
					"Set llm.guard.breaker.max-open to at least PT5M (open-for), for example 10m."));
		// a model's own max-open is checked against the open-for it inherits
		this.runner.withPropertyValues(GPT_4O + "breaker.max-open=30s")
			.run((context) -> assertReports(context, GPT_4O + "breaker.max-open", "PT30S",
					"shorter than open-for (PT1M)", "Set " + GPT_4O + "breaker.max-open to at least PT1M"));
	}

	@Test
	void acceptsAModelThatTurnsItsBreakerOffOrSetsItsOwnCount() {
		this.runner.withPropertyValues(GPT_4O + "breaker.enabled=false", OPENAI + "models.gpt-4o-mini.breaker.failures=2")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				BreakerSettings breaker = context.getBean(GuardSettings.class).breaker();
				assertThat(breaker.policy(ModelRef.parse("openai/gpt-4o")).enabled()).isFalse();
				assertThat(breaker.policy(ModelRef.parse("openai/gpt-4o-mini")).failures())
					.isEqualTo(2);
				assertThat(breaker.policy(ModelRef.parse("openai/gpt-4o-mini")).window())
					.isEqualTo(Duration.ofSeconds(60));
				assertThat(breaker.defaults()).isEqualTo(BreakerPolicy.DEFAULT);
			});
	}

	@ParameterizedTest
	@ValueSource(strings = { "0", "-0.5", "1.01", "80" })
	void rejectsHeadroomOutsideZeroToOne(String headroom) {
		this.runner.withPropertyValues("llm.guard.headroom=" + headroom)
			.run((context) -> assertReports(context, "llm.guard.headroom", String.valueOf(Double.parseDouble(headroom)),
					"headroom must be greater than 0 and at most 1", "for example 0.8"));
	}

	@Test
	void acceptsAHeadroomOfOne() {
		this.runner.withPropertyValues("llm.guard.headroom=1").run((context) -> assertThat(context).hasNotFailed());
	}

	@Test
	void rejectsAChainNamingAnUnknownProvider() {
		this.runner
			.withPropertyValues(GPT_4O + "context-window=128000", "llm.guard.chains.default.models=opnai/gpt-4o")
			.run((context) -> assertReports(context, "llm.guard.chains.default.models[0]", "opnai/gpt-4o",
					"provider 'opnai' is not configured",
					"Configure the provider under llm.guard.providers.opnai or use a configured one. Configured: openai/gpt-4o."));
	}

	@Test
	void rejectsAChainNamingAModelItsProviderDoesNotList() {
		this.runner
			.withPropertyValues(GPT_4O + "context-window=128000", OPENAI + "models.[gpt-4.1].context-window=1000000",
					"llm.guard.chains.default.models=openai/gpt-4o,openai/gpt-4o-mnii")
			.run((context) -> assertReports(context, "llm.guard.chains.default.models[1]", "openai/gpt-4o-mnii",
					"model 'gpt-4o-mnii' is not configured for provider 'openai'",
					"Add it under llm.guard.providers.openai.models.gpt-4o-mnii or use a configured model. "
							+ "Configured: openai/gpt-4.1, openai/gpt-4o."));
	}

	@Test
	void acceptsAnyModelOfAProviderThatListsNoModels() {
		this.runner
			.withPropertyValues(OPENAI + "requests-per-minute=500",
					"llm.guard.chains.default.models=openai/gpt-4o,openai/gpt-4o-mini")
			.run((context) -> assertThat(context).hasNotFailed());
	}

	@Test
	void rejectsAChainModelWithoutProvider() {
		this.runner.withPropertyValues(GPT_4O + "context-window=128000", "llm.guard.chains.default.models=gpt-4o")
			.run((context) -> assertReports(context, "llm.guard.chains.default.models[0]", "gpt-4o",
					"'gpt-4o' is not a provider/model reference",
					"Write each model of the chain as provider/model, for example openai/gpt-4o; configured: openai/gpt-4o."));
	}

	@Test
	void rejectsAChainWithoutModels() {
		this.runner.withPropertyValues("llm.guard.chains.default.cooldown=30s")
			.run((context) -> assertReports(context, "llm.guard.chains.default.models", "[]",
					"the chain has no models", "List the models to try in order under llm.guard.chains.default.models"));
	}

	@Test
	void rejectsAChainCacheTtlOfZero() {
		this.runner
			.withPropertyValues(OPENAI + "requests-per-minute=5", "llm.guard.chains.default.models=openai/gpt-4o",
					"llm.guard.chains.default.cache.ttl=0s")
			.run((context) -> assertReports(context, "llm.guard.chains.default.cache.ttl", "PT0S",
					"a cached answer must be kept for some time",
					"Set llm.guard.chains.default.cache.ttl to how long a last answer may stand in"));
	}

	@Test
	void rejectsAChainCacheKeepingNoEntries() {
		this.runner
			.withPropertyValues(OPENAI + "requests-per-minute=5", "llm.guard.chains.default.models=openai/gpt-4o",
					"llm.guard.chains.default.cache.max-entries=0")
			.run((context) -> assertReports(context, "llm.guard.chains.default.cache.max-entries", "0",
					"the cache must keep at least one answer",
					"Set llm.guard.chains.default.cache.max-entries to the most answers the chain keeps"));
	}

	@Test
	void bindsAChainCacheAndLeavesOtherChainsWithout() {
		this.runner
			.withPropertyValues(OPENAI + "requests-per-minute=5", "llm.guard.chains.default.models=openai/gpt-4o",
					"llm.guard.chains.default.cache.ttl=5m", "llm.guard.chains.default.cache.max-entries=50",
					"llm.guard.chains.default.cache.share-across-tenants=true",
					"llm.guard.chains.plain.models=openai/gpt-4o",
					"llm.guard.chains.off.models=openai/gpt-4o", "llm.guard.chains.off.cache.enabled=false")
			.run((context) -> {
				dev.llmguard.core.config.GuardSettings settings = context
					.getBean(dev.llmguard.core.config.GuardSettings.class);
				assertThat(settings.chains().get("default").cache()).isEqualTo(
						new dev.llmguard.core.config.AnswerCacheSpec(java.time.Duration.ofMinutes(5), 50, true));
				assertThat(settings.chains().get("plain").cache()).isNull();
				assertThat(settings.chains().get("off").cache()).isNull();
			});
	}

	@Test
	void rejectsANegativeChainCooldown() {
		this.runner
			.withPropertyValues(OPENAI + "requests-per-minute=5", "llm.guard.chains.default.models=openai/gpt-4o",
					"llm.guard.chains.default.cooldown=-5s")
			.run((context) -> assertReports(context, "llm.guard.chains.default.cooldown", "PT-5S",
					"the duration must not be negative", "a duration of 0 or more"));
	}

	@Test
	void rejectsANegativeDeadline() {
		this.runner.withPropertyValues(OPENAI + "requests-per-minute=5", "llm.guard.retry.max-total-time=-1s")
			.run((context) -> assertReports(context, "llm.guard.retry.max-total-time", "PT-1S",
					"the duration must not be negative", "a duration of 0 or more"));
	}

	@Test
	void rejectsABudgetWithNeitherMaxCostNorMaxTokens() {
		this.runner.withPropertyValues("llm.guard.budgets.daily-spend.period=day")
			.run((context) -> assertReports(context, "llm.guard.budgets.daily-spend.max-cost", "(not set)",
					"budget 'daily-spend' has neither max-cost nor max-tokens",
					"Set llm.guard.budgets.daily-spend.max-cost (USD) and/or llm.guard.budgets.daily-spend.max-tokens"));
	}

	@Test
	void rejectsANegativeMaxCost() {
		this.runner.withPropertyValues("llm.guard.budgets.daily-spend.max-cost=-1.50")
			.run((context) -> assertReports(context, "llm.guard.budgets.daily-spend.max-cost", "-1.50",
					"max-cost must be greater than 0", "for example 50.00"));
	}

	@Test
	void rejectsANonPositiveMaxTokens() {
		this.runner.withPropertyValues("llm.guard.budgets.b.max-tokens=0")
			.run((context) -> assertReports(context, "llm.guard.budgets.b.max-tokens", "0",
					"max-tokens must be greater than 0", "Set llm.guard.budgets.b.max-tokens"));
	}

	@ParameterizedTest
	@ValueSource(strings = { "0", "-0.1", "1.5" })
	void rejectsWarnAtOutsideZeroToOne(String warnAt) {
		this.runner.withPropertyValues("llm.guard.budgets.b.max-cost=5", "llm.guard.budgets.b.warn-at=" + warnAt)
			.run((context) -> assertReports(context, "llm.guard.budgets.b.warn-at",
					String.valueOf(Double.parseDouble(warnAt)), "warn-at is a share of the budget",
					"Set llm.guard.budgets.b.warn-at to a value in (0, 1], for example 0.8"));
	}

	@ParameterizedTest
	@ValueSource(strings = { "normal=1", "normal=-0.1", "low=1.2" })
	void rejectsPriorityReservesOutsideZeroToOne(String setting) {
		String key = "llm.guard.priority.reserve." + setting.substring(0, setting.indexOf('='));
		String value = setting.substring(setting.indexOf('=') + 1);
		this.runner.withPropertyValues("llm.guard.priority.reserve." + setting)
			.run((context) -> assertReports(context, key, String.valueOf(Double.parseDouble(value)),
					"must be at least 0 and less than 1", "Set " + key + " to a value in [0, 1)"));
	}

	@Test
	void rejectsALowReserveSmallerThanTheNormalOne() {
		this.runner.withPropertyValues("llm.guard.priority.reserve.normal=0.3", "llm.guard.priority.reserve.low=0.1")
			.run((context) -> assertReports(context, "llm.guard.priority.reserve.low", "0.1",
					"smaller than the normal one (0.3)",
					"Set llm.guard.priority.reserve.low to at least llm.guard.priority.reserve.normal"));
	}

	@Test
	void rejectsRetryMaxAttemptsBelowOne() {
		this.runner.withPropertyValues("llm.guard.retry.max-attempts=0")
			.run((context) -> assertReports(context, "llm.guard.retry.max-attempts", "0", "must be at least 1",
					"Set llm.guard.retry.max-attempts to 1 (no retries) or more"));
	}

	@Test
	void rejectsARetryMultiplierBelowOne() {
		this.runner.withPropertyValues("llm.guard.retry.multiplier=0.5")
			.run((context) -> assertReports(context, "llm.guard.retry.multiplier", "0.5", "must be at least 1",
					"Set llm.guard.retry.multiplier to 1 (constant backoff) or more"));
	}

	@Test
	void rejectsAMaxBackoffShorterThanTheInitialBackoff() {
		this.runner.withPropertyValues("llm.guard.retry.initial-backoff=10s", "llm.guard.retry.max-backoff=1s")
			.run((context) -> assertReports(context, "llm.guard.retry.max-backoff", "PT1S",
					"shorter than initial-backoff (PT10S)",
					"Set llm.guard.retry.max-backoff to at least llm.guard.retry.initial-backoff."));
	}

	@ParameterizedTest
	@ValueSource(strings = { "llm.guard.default-input-price", "llm.guard.default-output-price",
			GPT_4O + "input-price", GPT_4O + "cached-input-price", GPT_4O + "cache-write-price",
			GPT_4O + "output-price" })
	void rejectsNegativePrices(String key) {
		this.runner.withPropertyValues(GPT_4O + "input-price=1", GPT_4O + "output-price=2", key + "=-0.01")
			.run((context) -> assertReports(context, key, "-0.01", "a price must not be negative",
					"Set " + key + " to the price in USD per 1M tokens"));
	}

	@Test
	void rejectsAnOutputPriceWithoutInputPrice() {
		this.runner.withPropertyValues(GPT_4O + "output-price=10")
			.run((context) -> assertReports(context, GPT_4O + "input-price", "(not set)", "the value is missing",
					"set " + GPT_4O + "input-price together with output-price"));
	}

	@Test
	void rejectsAToolWithoutLimit() {
		this.runner.withPropertyValues("llm.guard.tools.search_products.window=60s")
			.run((context) -> assertReports(context, "llm.guard.tools.search_products.limit", "(not set)",
					"the value is missing", "Set llm.guard.tools.search_products.limit to the calls allowed per window"));
	}

	@Test
	void rejectsANonPositiveToolLimit() {
		this.runner.withPropertyValues("llm.guard.tools.search_products.limit=-1")
			.run((context) -> assertReports(context, "llm.guard.tools.search_products.limit", "-1",
					"a tool limit must be greater than 0", "Set llm.guard.tools.search_products.limit"));
	}

	@Test
	void rejectsAZeroToolWindow() {
		this.runner
			.withPropertyValues("llm.guard.tools.search_products.limit=10", "llm.guard.tools.search_products.window=0s")
			.run((context) -> assertReports(context, "llm.guard.tools.search_products.window", "PT0S",
					"must be longer than 0", "Set llm.guard.tools.search_products.window to a duration such as 60s."));
	}

	@Test
	void rejectsAModelNameWithADotWrittenWithoutBracketsInYaml() {
		String yaml = """
				llm:
				  guard:
				    providers:
				      openai:
				        models:
				          gpt-4.1:
				            input-price: 2
				""";
		this.runner.withInitializer(YamlProperties.of(yaml))
			.run((context) -> assertReports(context, "llm.guard.providers.openai.models.gpt-4.1.input-price", "2",
					"Spring Boot reads 'gpt-4' as the model name and drops the rest",
					"Write the model name in brackets: llm.guard.providers.openai.models.[gpt-4.1].input-price "
							+ "(in YAML quote the key: \"[gpt-4.1]\":)."));
	}

	@Test
	void rejectsAMisspelledPropertyInsideAProvider() {
		this.runner.withPropertyValues(OPENAI + "requests-per-minut=500")
			.run((context) -> assertReports(context, OPENAI + "requests-per-minut", "500",
					"'requests-per-minut' is not a property of a provider", "Check the spelling"));
	}

	@Test
	void leavesUnknownZonesToSpringBootsBindingFailureReport() {
		this.runner.withPropertyValues("llm.guard.zone=Mars/Olympus_Mons").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).hasRootCauseInstanceOf(java.time.zone.ZoneRulesException.class);
			BindException bindException = findCause(context.getStartupFailure(), BindException.class);
			assertThat(bindException.getName().toString()).isEqualTo("llm.guard.zone");
		});
	}

	@Test
	void rejectsTheRedisBackendWhenSpringDataRedisIsMissing() {
		this.runner.withPropertyValues("llm.guard.backend=redis")
			.withClassLoader(new FilteredClassLoader("org.springframework.data.redis"))
			.run((context) -> assertReports(context, "llm.guard.backend", "redis",
					"Spring Data Redis is not on the classpath",
					"Add spring-boot-starter-data-redis and point spring.data.redis.* (host and port, or url) at your Redis, "
							+ "or set llm.guard.backend=memory"));
	}

	@Test
	void rejectsTheRedisBackendWithoutARedisConnectionFactory() {
		this.runner.withPropertyValues("llm.guard.backend=redis")
			.run((context) -> assertReports(context, "llm.guard.backend", "redis",
					"there is no RedisConnectionFactory bean", "Add spring-boot-starter-data-redis"));
	}

	@Test
	void rejectsTheRedisBackendWhenBucket4jLettuceIsMissing() {
		new ApplicationContextRunner()
			.withConfiguration(
					AutoConfigurations.of(DataRedisAutoConfiguration.class, LlmGuardAutoConfiguration.class))
			.withClassLoader(new FilteredClassLoader("io.github.bucket4j.redis"))
			.withPropertyValues("llm.guard.backend=redis")
			.run((context) -> assertReports(context, "llm.guard.backend", "redis",
					"bucket4j_jdk17-lettuce) is not on the class path", "Use llm-guard-starter"));
	}

	@ParameterizedTest
	@ValueSource(strings = { "timeout", "reservation-lease", "idle-ttl", "retry-interval", "concurrency-lease" })
	void rejectsARedisDurationThatIsNotPositive(String name) {
		String key = "llm.guard.redis." + name;
		redisBackend().withPropertyValues(key + "=0s")
			.run((context) -> assertReports(context, key, "PT0S", "the duration must be longer than 0",
					"Set " + key + " to a positive duration"));
	}

	@Test
	void rejectsAConcurrencyLeaseThatEndsBeforeItsRenewalCouldAnswer() {
		redisBackend().withPropertyValues("llm.guard.redis.timeout=2s", "llm.guard.redis.concurrency-lease=3s")
			.run((context) -> assertReports(context, "llm.guard.redis.concurrency-lease", "PT3S",
					"must be longer than twice llm.guard.redis.timeout (PT2S)",
					"Set llm.guard.redis.concurrency-lease to a longer duration such as 30s"));
	}

	@Test
	void rejectsARedisKeyPrefixWithBraces() {
		redisBackend().withPropertyValues("llm.guard.redis.key-prefix=shop{1}")
			.run((context) -> assertReports(context, "llm.guard.redis.key-prefix", "shop{1}",
					"without spaces or braces (braces are Redis Cluster hash tags)",
					"Set llm.guard.redis.key-prefix to a short name such as llm-guard"));
	}

	@Test
	void acceptsTheRedisBackendWhenSpringBootConfiguresARedisConnection() {
		new ApplicationContextRunner()
			.withConfiguration(
					AutoConfigurations.of(DataRedisAutoConfiguration.class, LlmGuardAutoConfiguration.class))
			.withPropertyValues("llm.guard.backend=redis")
			.run((context) -> assertThat(context).hasNotFailed());
	}

	@Test
	void ignoresTheRedisCheckWithTheMemoryBackend() {
		this.runner.withClassLoader(new FilteredClassLoader("org.springframework.data.redis"))
			.run((context) -> assertThat(context).hasNotFailed());
	}

	private static ApplicationContextRunner redisBackend() {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class,
					LlmGuardRedisAutoConfiguration.class, LlmGuardAutoConfiguration.class))
			.withPropertyValues("llm.guard.backend=redis");
	}

	private static <T extends Throwable> T findCause(Throwable failure, Class<T> type) {
		for (Throwable candidate = failure; candidate != null; candidate = candidate.getCause()) {
			if (type.isInstance(candidate)) {
				return type.cast(candidate);
			}
		}
		throw new AssertionError("no " + type.getName() + " in " + failure);
	}

}

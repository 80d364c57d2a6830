package dev.llmguard.autoconfigure;

import java.math.BigDecimal;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;

import dev.llmguard.core.config.GuardSettings;
import dev.llmguard.core.config.ProviderSpec;
import dev.llmguard.core.model.ModelRef;
import dev.llmguard.redis.RedisGuardOptions;

import org.springframework.beans.factory.BeanFactoryUtils;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.util.ClassUtils;

/**
 * Checks {@code llm.guard.*} before the engine is built, so that a mistake stops start-up with the
 * key, the value and the fix instead of surfacing at the first call. Every check throws an
 * {@link InvalidLlmGuardConfigurationException}; the first problem found is reported.
 * <p>
 * Rules: every limit, {@code max-concurrent}, {@code context-window}, {@code max-output-tokens},
 * tool {@code limit} and {@code window} greater than zero; {@code max-wait} and {@code cooldown} not
 * negative; prices not negative, a model's {@code input-price} and {@code output-price} set together;
 * {@code headroom} and {@code warn-at} in (0, 1]; priority reserves in [0, 1) with
 * {@code low >= normal}; {@code retry.max-attempts >= 1}, {@code retry.multiplier >= 1},
 * {@code max-backoff >= initial-backoff}; chains with at least one model, each a known
 * {@code provider/model}; budgets with {@code max-cost} and/or {@code max-tokens}, both positive;
 * {@code guard-other-requests} only with a {@code base-url}; a breaker's {@code failures >= 1}, its
 * {@code window}, {@code open-for} and {@code max-open} longer than 0 and {@code max-open >= open-for}
 * (globally and per model); with {@code backend: redis}, what the
 * Redis backend needs to start ({@link #validateBackend}).
 */
final class LlmGuardConfigurationValidator {

	static final String PREFIX = "llm.guard.";

	private static final String REDIS_CONNECTION_FACTORY = "org.springframework.data.redis.connection.RedisConnectionFactory";

	private static final String BUCKET4J_LETTUCE = "io.github.bucket4j.redis.lettuce.Bucket4jLettuce";

	private LlmGuardConfigurationValidator() {
	}

	/**
	 * Validates the properties.
	 * @param properties the bound properties
	 * @throws InvalidLlmGuardConfigurationException on the first invalid value
	 */
	public static void validate(LlmGuardProperties properties) {
		validateGlobal(properties);
		properties.getProviders().forEach(LlmGuardConfigurationValidator::validateProvider);
		properties.getProviders()
			.forEach((name, provider) -> provider.getModels()
				.forEach((model, modelProperties) -> validateModelBreaker(
						PREFIX + "providers." + element(name) + ".models." + element(model) + ".",
						modelProperties.getBreaker(), properties.getBreaker())));
		properties.getChains().forEach((name, chain) -> validateChain(name, chain, properties.getProviders()));
		properties.getBudgets().forEach(LlmGuardConfigurationValidator::validateBudget);
		properties.getTools().forEach(LlmGuardConfigurationValidator::validateTool);
	}

	private static void validateGlobal(LlmGuardProperties properties) {
		double headroom = properties.getHeadroom();
		if (!(headroom > 0 && headroom <= 1)) {
			throw new InvalidLlmGuardConfigurationException(PREFIX + "headroom", headroom,
					"headroom must be greater than 0 and at most 1",
					"Set llm.guard.headroom to the share of each declared provider limit llm-guard may use, for example 0.8.");
		}
		if (properties.getZone() == null) {
			throw missing(PREFIX + "zone", "Set llm.guard.zone to a time zone id such as UTC or Europe/Berlin.");
		}
		requirePrice(PREFIX + "default-input-price", properties.getDefaultInputPrice(), true);
		requirePrice(PREFIX + "default-output-price", properties.getDefaultOutputPrice(), true);
		if (properties.getBackend() == null) {
			throw missing(PREFIX + "backend", "Set llm.guard.backend to memory or redis.");
		}
		RedisBackendProperties redis = properties.getRedis();
		if (redis.getKeyPrefix() == null || redis.getKeyPrefix().isBlank()) {
			throw missing(PREFIX + "redis.key-prefix",
					"Set llm.guard.redis.key-prefix to a non-empty prefix such as llm-guard.");
		}
		if (redis.getOnFailure() == null) {
			throw missing(PREFIX + "redis.on-failure", "Set llm.guard.redis.on-failure to fail-open or fail-closed.");
		}
		EstimationProperties estimation = properties.getEstimation();
		requirePositive(PREFIX + "estimation.default-max-output-tokens", estimation.getDefaultMaxOutputTokens());
		requirePositive(PREFIX + "estimation.min-output-tokens", estimation.getMinOutputTokens());
		if (estimation.getMinOutputTokens() > estimation.getDefaultMaxOutputTokens()) {
			throw new InvalidLlmGuardConfigurationException(PREFIX + "estimation.min-output-tokens",
					estimation.getMinOutputTokens(),
					"min-output-tokens is the floor a call shrinks to when a budget cannot afford its whole output "
							+ "allowance; above default-max-output-tokens (" + estimation.getDefaultMaxOutputTokens()
							+ ") a call without its own max tokens could never shrink",
					"Set llm.guard.estimation.min-output-tokens to at most "
							+ estimation.getDefaultMaxOutputTokens()
							+ " (default 256), or raise llm.guard.estimation.default-max-output-tokens.");
		}
		requirePositive(PREFIX + "events.buffer-size", properties.getEvents().getBufferSize());
		requirePositive(PREFIX + "memory.max-budget-entries", properties.getMemory().getMaxBudgetEntries());
		validateRetry(properties.getRetry());
		validatePriority(properties.getPriority().getReserve());
		BreakerProperties breaker = properties.getBreaker();
		validateBreaker(PREFIX + "breaker.", breaker.getFailures(), breaker.getWindow(), breaker.getOpenFor(),
				breaker.getMaxOpen(), breaker.getOpenFor(), breaker.getMaxOpen());
	}

	/**
	 * Checks a breaker's values: the ones set ({@code null} for unset, then {@code openFor} and
	 * {@code maxOpen} are the values in effect, for the check that max-open is at least open-for).
	 */
	private static void validateBreaker(String prefix, Integer failures, Duration window, Duration openFor,
			Duration maxOpen, Duration effectiveOpenFor, Duration effectiveMaxOpen) {
		if (failures != null && failures < 1) {
			throw new InvalidLlmGuardConfigurationException(prefix + "failures", failures,
					"a circuit breaker opens after at least 1 failure within its window",
					"Set " + prefix + "failures to 1 or more, for example 5; to have no breaker set "
							+ prefix + "enabled=false.");
		}
		if (window != null) {
			requirePositive(prefix + "window", window);
		}
		if (openFor != null) {
			requirePositive(prefix + "open-for", openFor);
		}
		if (maxOpen != null) {
			requirePositive(prefix + "max-open", maxOpen);
		}
		if ((openFor != null || maxOpen != null) && effectiveMaxOpen.compareTo(effectiveOpenFor) < 0) {
			throw new InvalidLlmGuardConfigurationException(prefix + "max-open", effectiveMaxOpen,
					"max-open caps the open time a failing probe doubles, and it is shorter than open-for ("
							+ effectiveOpenFor + ")",
					"Set " + prefix + "max-open to at least " + effectiveOpenFor + " (open-for), for example 10m.");
		}
	}

	private static void validateRetry(RetryProperties retry) {
		String prefix = PREFIX + "retry.";
		if (retry.getMaxAttempts() < 1) {
			throw new InvalidLlmGuardConfigurationException(prefix + "max-attempts", retry.getMaxAttempts(),
					"max-attempts counts the first attempt too, so it must be at least 1",
					"Set llm.guard.retry.max-attempts to 1 (no retries) or more, for example 5.");
		}
		if (!(retry.getMultiplier() >= 1)) {
			throw new InvalidLlmGuardConfigurationException(prefix + "multiplier", retry.getMultiplier(),
					"the backoff multiplier must be at least 1, or pauses would shrink",
					"Set llm.guard.retry.multiplier to 1 (constant backoff) or more, for example 2.0.");
		}
		requireNotNegative(prefix + "initial-backoff", retry.getInitialBackoff());
		requireNotNegative(prefix + "max-backoff", retry.getMaxBackoff());
		requireNotNegative(prefix + "max-retry-after", retry.getMaxRetryAfter());
		requireNotNegative(prefix + "max-total-time", retry.getMaxTotalTime());
		if (retry.getMaxBackoff().compareTo(retry.getInitialBackoff()) < 0) {
			throw new InvalidLlmGuardConfigurationException(prefix + "max-backoff", retry.getMaxBackoff(),
					"max-backoff is shorter than initial-backoff (" + retry.getInitialBackoff() + ")",
					"Set llm.guard.retry.max-backoff to at least llm.guard.retry.initial-backoff.");
		}
	}

	private static void validatePriority(PriorityProperties.Reserve reserve) {
		String prefix = PREFIX + "priority.reserve.";
		requireReserve(prefix + "normal", reserve.getNormal());
		requireReserve(prefix + "low", reserve.getLow());
		if (reserve.getLow() < reserve.getNormal()) {
			throw new InvalidLlmGuardConfigurationException(prefix + "low", reserve.getLow(),
					"the low-priority reserve is smaller than the normal one (" + reserve.getNormal()
							+ "), so low-priority calls could take capacity that normal calls may not",
					"Set llm.guard.priority.reserve.low to at least llm.guard.priority.reserve.normal, for example normal 0.1 and low 0.3.");
		}
	}

	private static void requireReserve(String key, double value) {
		if (!(value >= 0 && value < 1)) {
			throw new InvalidLlmGuardConfigurationException(key, value,
					"a priority reserve is a share of each bucket and must be at least 0 and less than 1",
					"Set " + key + " to a value in [0, 1), for example 0.1; 0 reserves nothing.");
		}
	}

	private static void validateProvider(String name, ProviderProperties provider) {
		String prefix = PREFIX + "providers." + element(name) + ".";
		String baseUrl = provider.getBaseUrl();
		if (baseUrl != null && !baseUrl.isBlank() && !isHttpUrl(baseUrl)) {
			throw new InvalidLlmGuardConfigurationException(prefix + "base-url", baseUrl,
					"base-url is not an absolute http or https URL",
					"Set " + prefix + "base-url to the provider's API root, for example https://api.openai.com.");
		}
		if (provider.isGuardOtherRequests() && (baseUrl == null || baseUrl.isBlank())) {
			throw new InvalidLlmGuardConfigurationException(prefix + "guard-other-requests", "true",
					"guard-other-requests applies to RestClient requests to the provider's base-url, and base-url is "
							+ "not set",
					"Set " + prefix + "base-url to the provider's API root, or remove " + prefix
							+ "guard-other-requests.");
		}
		validateLimits(prefix, provider);
		if (provider.getMaxConcurrent() != null) {
			requirePositive(prefix + "max-concurrent", provider.getMaxConcurrent());
		}
		if (provider.getMaxWait() != null) {
			requireNotNegative(prefix + "max-wait", provider.getMaxWait());
		}
		provider.getModels().forEach((modelName, model) -> validateModel(prefix, modelName, model));
	}

	private static void validateModelBreaker(String prefix, ModelBreakerProperties own, BreakerProperties global) {
		Duration openFor = (own.getOpenFor() != null) ? own.getOpenFor() : global.getOpenFor();
		Duration maxOpen = (own.getMaxOpen() != null) ? own.getMaxOpen() : global.getMaxOpen();
		validateBreaker(prefix + "breaker.", own.getFailures(), own.getWindow(), own.getOpenFor(), own.getMaxOpen(),
				openFor, maxOpen);
	}

	private static void validateModel(String providerPrefix, String name, ModelProperties model) {
		String prefix = providerPrefix + "models." + element(name) + ".";
		requirePrice(prefix + "input-price", model.getInputPrice(), false);
		requirePrice(prefix + "cached-input-price", model.getCachedInputPrice(), false);
		requirePrice(prefix + "cache-write-price", model.getCacheWritePrice(), false);
		requirePrice(prefix + "output-price", model.getOutputPrice(), false);
		boolean anyPrice = model.getInputPrice() != null || model.getCachedInputPrice() != null
				|| model.getCacheWritePrice() != null || model.getOutputPrice() != null;
		if (anyPrice && model.getInputPrice() == null) {
			throw missing(prefix + "input-price", "A configured price replaces the built-in one, so set "
					+ prefix + "input-price together with output-price (USD per 1M tokens), or remove the prices to use the built-in ones.");
		}
		if (anyPrice && model.getOutputPrice() == null) {
			throw missing(prefix + "output-price", "A configured price replaces the built-in one, so set "
					+ prefix + "output-price together with input-price (USD per 1M tokens), or remove the prices to use the built-in ones.");
		}
		if (model.getContextWindow() != null) {
			requirePositive(prefix + "context-window", model.getContextWindow());
		}
		if (model.getMaxOutputTokens() != null) {
			requirePositive(prefix + "max-output-tokens", model.getMaxOutputTokens());
			if (model.getContextWindow() != null && model.getMaxOutputTokens() > model.getContextWindow()) {
				throw new InvalidLlmGuardConfigurationException(prefix + "max-output-tokens",
						model.getMaxOutputTokens(),
						"max-output-tokens is larger than the model's context-window (" + model.getContextWindow() + ")",
						"Set " + prefix + "max-output-tokens to at most " + model.getContextWindow() + ".");
			}
		}
		validateLimits(prefix, model);
	}

	private static void validateLimits(String prefix, RateLimitProperties limits) {
		requirePositiveLimit(prefix + "requests-per-minute", limits.getRequestsPerMinute());
		requirePositiveLimit(prefix + "tokens-per-minute", limits.getTokensPerMinute());
		requirePositiveLimit(prefix + "input-tokens-per-minute", limits.getInputTokensPerMinute());
		requirePositiveLimit(prefix + "output-tokens-per-minute", limits.getOutputTokensPerMinute());
		requirePositiveLimit(prefix + "requests-per-day", limits.getRequestsPerDay());
		requirePositiveLimit(prefix + "tokens-per-day", limits.getTokensPerDay());
	}

	private static void requirePositiveLimit(String key, Long value) {
		if (value != null && value <= 0) {
			throw new InvalidLlmGuardConfigurationException(key, value, "a limit must be greater than 0",
					"Set " + key + " to the provider's declared limit, or remove it for no limit.");
		}
	}

	private static void validateChain(String name, ChainProperties chain,
			Map<String, ProviderProperties> providers) {
		String prefix = PREFIX + "chains." + element(name) + ".";
		List<String> models = chain.getModels();
		if (models == null || models.isEmpty()) {
			throw new InvalidLlmGuardConfigurationException(prefix + "models", "[]", "the chain has no models",
					"List the models to try in order under " + prefix + "models, for example [openai/gpt-4o, openai/gpt-4o-mini]"
							+ knownModelsSentence(providers));
		}
		for (int i = 0; i < models.size(); i++) {
			String key = prefix + "models[" + i + "]";
			String value = models.get(i);
			ModelRef ref;
			try {
				ref = ModelRef.parse(value);
			}
			catch (IllegalArgumentException ex) {
				throw new InvalidLlmGuardConfigurationException(key, value,
						"'" + value + "' is not a provider/model reference",
						"Write each model of the chain as provider/model, for example openai/gpt-4o"
								+ knownModelsSentence(providers));
			}
			String unknown = unknownModelProblem(ref, providers, ProviderProperties::getModels);
			if (unknown != null) {
				throw new InvalidLlmGuardConfigurationException(key, value, unknown,
						unknownModelAction(ref, providers, ProviderProperties::getModels));
			}
		}
		requireNotNegative(prefix + "cooldown", chain.getCooldown());
		ChainCacheProperties cache = chain.getCache();
		if (cache != null && cache.isEnabled()) {
			if (cache.getTtl() == null || cache.getTtl().isZero() || cache.getTtl().isNegative()) {
				throw new InvalidLlmGuardConfigurationException(prefix + "cache.ttl", cache.getTtl(),
						"a cached answer must be kept for some time",
						"Set " + prefix + "cache.ttl to how long a last answer may stand in, for example 10m, "
								+ "or set " + prefix + "cache.enabled to false.");
			}
			if (cache.getMaxEntries() <= 0) {
				throw new InvalidLlmGuardConfigurationException(prefix + "cache.max-entries", cache.getMaxEntries(),
						"the cache must keep at least one answer",
						"Set " + prefix + "cache.max-entries to the most answers the chain keeps, for example 1000.");
			}
		}
	}

	private static void validateBudget(String name, BudgetProperties budget) {
		String prefix = PREFIX + "budgets." + element(name) + ".";
		if (budget.getMaxCost() == null && budget.getMaxTokens() == null) {
			throw new InvalidLlmGuardConfigurationException(prefix + "max-cost", null,
					"budget '" + name + "' has neither max-cost nor max-tokens, so it would limit nothing",
					"Set " + prefix + "max-cost (USD) and/or " + prefix + "max-tokens, or remove the budget.");
		}
		if (budget.getMaxCost() != null && budget.getMaxCost().signum() <= 0) {
			throw new InvalidLlmGuardConfigurationException(prefix + "max-cost", budget.getMaxCost(),
					"max-cost must be greater than 0",
					"Set " + prefix + "max-cost to the most USD that may be spent per period, for example 50.00.");
		}
		if (budget.getMaxTokens() != null && budget.getMaxTokens() <= 0) {
			throw new InvalidLlmGuardConfigurationException(prefix + "max-tokens", budget.getMaxTokens(),
					"max-tokens must be greater than 0",
					"Set " + prefix + "max-tokens to the most tokens that may be used per period, or remove it.");
		}
		if (!(budget.getWarnAt() > 0 && budget.getWarnAt() <= 1)) {
			throw new InvalidLlmGuardConfigurationException(prefix + "warn-at", budget.getWarnAt(),
					"warn-at is a share of the budget and must be greater than 0 and at most 1",
					"Set " + prefix + "warn-at to a value in (0, 1], for example 0.8 to warn at 80 %.");
		}
		if (budget.getScope() == null) {
			throw missing(prefix + "scope", "Set " + prefix + "scope to global, tenant or session.");
		}
		if (budget.getPeriod() == null) {
			throw missing(prefix + "period", "Set " + prefix + "period to none, hour, day, week or month.");
		}
		if (budget.getOnExceeded() == null) {
			throw missing(prefix + "on-exceeded", "Set " + prefix + "on-exceeded to reject or downgrade.");
		}
	}

	private static void validateTool(String name, ToolProperties tool) {
		String prefix = PREFIX + "tools." + element(name) + ".";
		if (tool.getLimit() == null) {
			throw missing(prefix + "limit", "Set " + prefix + "limit to the calls allowed per window, for example 100.");
		}
		if (tool.getLimit() <= 0) {
			throw new InvalidLlmGuardConfigurationException(prefix + "limit", tool.getLimit(),
					"a tool limit must be greater than 0",
					"Set " + prefix + "limit to the calls allowed per window, or remove the tool.");
		}
		if (tool.getWindow() == null || tool.getWindow().isNegative() || tool.getWindow().isZero()) {
			throw new InvalidLlmGuardConfigurationException(prefix + "window", tool.getWindow(),
					"the window of a tool limit must be longer than 0",
					"Set " + prefix + "window to a duration such as 60s.");
		}
	}

	/**
	 * Checks that the backend can start. With {@code llm.guard.backend=redis} that takes Spring Data
	 * Redis and Bucket4j's Lettuce integration on the class path, a {@code RedisConnectionFactory}
	 * bean, and {@code llm.guard.redis.*} values the backend accepts; the memory backend needs
	 * nothing.
	 * @param properties the bound properties
	 * @param beanFactory where the libraries and the connection factory are looked for
	 * @throws InvalidLlmGuardConfigurationException when the backend cannot start
	 */
	static void validateBackend(LlmGuardProperties properties, ConfigurableListableBeanFactory beanFactory) {
		if (properties.getBackend() != LlmGuardProperties.Backend.REDIS) {
			return;
		}
		ClassLoader classLoader = beanFactory.getBeanClassLoader();
		if (!ClassUtils.isPresent(REDIS_CONNECTION_FACTORY, classLoader)) {
			throw missingRedisConnection(false);
		}
		if (!ClassUtils.isPresent(BUCKET4J_LETTUCE, classLoader)) {
			throw new InvalidLlmGuardConfigurationException(PREFIX + "backend", "redis",
					"Bucket4j's Lettuce integration (com.bucket4j:bucket4j_jdk17-lettuce) is not on the class path",
					"Use llm-guard-starter, which brings it, or add com.bucket4j:bucket4j_jdk17-lettuce; "
							+ "or set llm.guard.backend=memory.");
		}
		Class<?> connectionFactory = ClassUtils.resolveClassName(REDIS_CONNECTION_FACTORY, classLoader);
		if (BeanFactoryUtils.beanNamesForTypeIncludingAncestors(beanFactory, connectionFactory, true, false).length == 0) {
			throw missingRedisConnection(true);
		}
		validateRedisOptions(properties.getRedis());
	}

	private static InvalidLlmGuardConfigurationException missingRedisConnection(boolean dataRedisPresent) {
		String problem = dataRedisPresent
				? "the Redis backend needs a Redis connection, but there is no RedisConnectionFactory bean"
				: "the Redis backend needs a Redis connection, but Spring Data Redis is not on the classpath";
		return new InvalidLlmGuardConfigurationException(PREFIX + "backend", "redis", problem,
				"Add spring-boot-starter-data-redis and point spring.data.redis.* (host and port, or url) at your Redis, "
						+ "or set llm.guard.backend=memory to keep limits and budgets in this instance.");
	}

	// What RedisGuardOptions would refuse, said with the key and the fix.
	private static void validateRedisOptions(RedisBackendProperties redis) {
		String prefix = PREFIX + "redis.";
		if (!RedisGuardOptions.isValidKeyPrefix(redis.getKeyPrefix())) {
			throw new InvalidLlmGuardConfigurationException(prefix + "key-prefix", redis.getKeyPrefix(),
					"a key prefix must be 1 to 64 printable ASCII characters without spaces or braces "
							+ "(braces are Redis Cluster hash tags)",
					"Set llm.guard.redis.key-prefix to a short name such as llm-guard or my-app.");
		}
		requirePositive(prefix + "timeout", redis.getTimeout());
		requirePositive(prefix + "reservation-lease", redis.getReservationLease());
		requirePositive(prefix + "idle-ttl", redis.getIdleTtl());
		requirePositive(prefix + "retry-interval", redis.getRetryInterval());
		requirePositive(prefix + "concurrency-lease", redis.getConcurrencyLease());
		// renewals run every quarter lease and may each wait a whole timeout: a shorter lease ends before they land
		if (redis.getConcurrencyLease().compareTo(redis.getTimeout().multipliedBy(2)) <= 0) {
			throw new InvalidLlmGuardConfigurationException(prefix + "concurrency-lease", redis.getConcurrencyLease(),
					"a concurrency slot's lease must be longer than twice llm.guard.redis.timeout ("
							+ redis.getTimeout() + "), or slots of live calls could end before their renewal answers",
					"Set llm.guard.redis.concurrency-lease to a longer duration such as 30s (the default), "
							+ "or lower llm.guard.redis.timeout.");
		}
	}

	/**
	 * Why a model reference is unknown to the given settings, or {@code null} when it is known. A
	 * provider must be configured; when it lists models, the model must be one of them.
	 */
	static String unknownModelProblem(ModelRef ref, GuardSettings settings) {
		return unknownModelProblem(ref, settings.providers(), ProviderSpec::models);
	}

	static String unknownModelAction(ModelRef ref, GuardSettings settings) {
		return unknownModelAction(ref, settings.providers(), ProviderSpec::models);
	}

	private static <P> String unknownModelProblem(ModelRef ref, Map<String, P> providers,
			Function<P, Map<String, ?>> models) {
		P provider = providers.get(ref.provider());
		if (provider == null) {
			return "provider '" + ref.provider() + "' is not configured";
		}
		Map<String, ?> providerModels = models.apply(provider);
		if (!providerModels.isEmpty() && !providerModels.containsKey(ref.model())) {
			return "model '" + ref.model() + "' is not configured for provider '" + ref.provider() + "'";
		}
		return null;
	}

	private static <P> String unknownModelAction(ModelRef ref, Map<String, P> providers,
			Function<P, Map<String, ?>> models) {
		String configured = describeModels(providers, models);
		P provider = providers.get(ref.provider());
		if (provider == null) {
			return "Configure the provider under llm.guard.providers." + element(ref.provider())
					+ " or use a configured one. Configured: " + configured + ".";
		}
		return "Add it under llm.guard.providers." + element(ref.provider()) + ".models." + element(ref.model())
				+ " or use a configured model. Configured: " + configured + ".";
	}

	private static <P> String describeModels(Map<String, P> providers, Function<P, Map<String, ?>> models) {
		if (providers.isEmpty()) {
			return "no providers";
		}
		// Sorted: the engine's settings hold unordered maps, and the message should read the same every time.
		return new TreeMap<>(providers).entrySet()
			.stream()
			.map((entry) -> models.apply(entry.getValue()).isEmpty() ? entry.getKey() + "/*"
					: new TreeSet<>(models.apply(entry.getValue()).keySet()).stream()
						.map((model) -> entry.getKey() + "/" + model)
						.collect(Collectors.joining(", ")))
			.collect(Collectors.joining(", "));
	}

	private static String knownModelsSentence(Map<String, ProviderProperties> providers) {
		return "; configured: " + describeModels(providers, ProviderProperties::getModels) + ".";
	}

	/** A map key as Spring Boot expects it in a property name: in brackets unless it is a plain word. */
	static String element(String name) {
		return name.matches("[a-zA-Z0-9_-]+") ? name : "[" + name + "]";
	}

	private static boolean isHttpUrl(String value) {
		try {
			URI uri = new URI(value);
			return uri.isAbsolute() && uri.getHost() != null
					&& ("http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme()));
		}
		catch (URISyntaxException ex) {
			return false;
		}
	}

	private static void requirePrice(String key, BigDecimal price, boolean required) {
		if (price == null) {
			if (required) {
				throw missing(key, "Set " + key + " to a price in USD per 1M tokens, for example 5.00.");
			}
			return;
		}
		if (price.signum() < 0) {
			throw new InvalidLlmGuardConfigurationException(key, price, "a price must not be negative",
					"Set " + key + " to the price in USD per 1M tokens (0 for a free model).");
		}
	}

	private static void requirePositive(String key, int value) {
		if (value <= 0) {
			throw new InvalidLlmGuardConfigurationException(key, value, "the value must be greater than 0",
					"Set " + key + " to a positive number, or remove it to use the default.");
		}
	}

	private static void requireNotNegative(String key, Duration value) {
		if (value == null) {
			throw missing(key, "Set " + key + " to a duration such as 30s, or remove it to use the default.");
		}
		if (value.isNegative()) {
			throw new InvalidLlmGuardConfigurationException(key, value, "the duration must not be negative",
					"Set " + key + " to a duration of 0 or more, such as 30s.");
		}
	}

	private static void requirePositive(String key, Duration value) {
		if (value == null) {
			throw missing(key, "Set " + key + " to a duration such as 1s, or remove it to use the default.");
		}
		if (value.isNegative() || value.isZero()) {
			throw new InvalidLlmGuardConfigurationException(key, value, "the duration must be longer than 0",
					"Set " + key + " to a positive duration, or remove it to use the default.");
		}
	}

	private static InvalidLlmGuardConfigurationException missing(String key, String action) {
		return new InvalidLlmGuardConfigurationException(key, null, "the value is missing", action);
	}

}

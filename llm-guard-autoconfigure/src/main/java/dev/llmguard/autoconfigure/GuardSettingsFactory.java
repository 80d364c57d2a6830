package dev.llmguard.autoconfigure;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.llmguard.core.config.BreakerPolicy;
import dev.llmguard.core.config.BreakerSettings;
import dev.llmguard.core.config.BudgetSpec;
import dev.llmguard.core.config.ChainSpec;
import dev.llmguard.core.config.GuardMode;
import dev.llmguard.core.config.GuardModes;
import dev.llmguard.core.config.GuardSettings;
import dev.llmguard.core.config.ModelPrice;
import dev.llmguard.core.config.ModelSpec;
import dev.llmguard.core.config.PriorityReserve;
import dev.llmguard.core.config.ProviderSpec;
import dev.llmguard.core.config.RateLimits;
import dev.llmguard.core.config.RetrySettings;
import dev.llmguard.core.config.ToolSpec;
import dev.llmguard.core.model.ModelRef;

/**
 * Builds the engine's immutable {@link GuardSettings} from {@link LlmGuardProperties}.
 * <p>
 * A model without configured prices gets a {@code null} price, so the built-in or default price
 * applies; a provider without {@code max-wait} keeps none, so calls wait the engine's default
 * ({@link GuardSettings#defaultMaxWait()}, resolved by {@code CallRouting}); a blank
 * {@code fallback-response} means none.
 */
final class GuardSettingsFactory {

	private GuardSettingsFactory() {
	}

	/**
	 * Validates the properties and builds the settings.
	 * @param properties the bound properties
	 * @return the settings
	 * @throws InvalidLlmGuardConfigurationException when the properties are invalid
	 */
	public static GuardSettings create(LlmGuardProperties properties) {
		LlmGuardConfigurationValidator.validate(properties);
		RetryProperties retry = properties.getRetry();
		PriorityProperties.Reserve reserve = properties.getPriority().getReserve();
		GuardSettings.Builder builder = GuardSettings.builder()
			.headroom(properties.getHeadroom())
			.zone(properties.getZone())
			.defaultPrices(properties.getDefaultInputPrice(), properties.getDefaultOutputPrice())
			.defaultMaxOutputTokens(properties.getEstimation().getDefaultMaxOutputTokens())
			.minOutputTokens(properties.getEstimation().getMinOutputTokens())
			.shrinkToFit(properties.getEstimation().isShrinkToFit())
			.retry(new RetrySettings(retry.getMaxAttempts(), retry.getInitialBackoff(), retry.getMultiplier(),
					retry.getMaxBackoff(), retry.getMaxRetryAfter(), retry.getMaxTotalTime()))
			.priorityReserve(new PriorityReserve(reserve.getNormal(), reserve.getLow()))
			.breaker(breaker(properties));
		properties.getProviders().forEach((name, provider) -> builder.provider(provider(name, provider)));
		properties.getChains()
			.forEach((name, chain) -> builder.chain(new ChainSpec(name,
					chain.getModels().stream().map(ModelRef::parse).toList(), chain.getCooldown(),
					textOrNull(chain.getFallbackResponse()),
					(chain.getCache() != null) ? chain.getCache().toSpec() : null)));
		properties.getBudgets()
			.forEach((name, budget) -> builder.budget(new BudgetSpec(name, budget.getScope(), budget.getPeriod(),
					budget.getMaxCost(), budget.getMaxTokens(), budget.getWarnAt(), budget.getOnExceeded(),
					budget.getShrinkToFit())));
		properties.getTools()
			.forEach((name, tool) -> builder.tool(
					new ToolSpec(name, tool.getLimit(), tool.getWindow(), textOrNull(tool.getFallbackResponse()))));
		return builder.modes(modes(properties)).build();
	}

	/** The global mode and each provider's, budget's and tool's own, where set. */
	private static GuardModes modes(LlmGuardProperties properties) {
		Map<String, GuardMode> providers = new LinkedHashMap<>();
		properties.getProviders().forEach((name, provider) -> putIfSet(providers, name, provider.getMode()));
		Map<String, GuardMode> budgets = new LinkedHashMap<>();
		properties.getBudgets().forEach((name, budget) -> putIfSet(budgets, name, budget.getMode()));
		Map<String, GuardMode> tools = new LinkedHashMap<>();
		properties.getTools().forEach((name, tool) -> putIfSet(tools, name, tool.getMode()));
		GuardMode global = (properties.getMode() != null) ? properties.getMode() : GuardMode.ENFORCE;
		return new GuardModes(global, providers, budgets, tools);
	}

	private static void putIfSet(Map<String, GuardMode> modes, String name, GuardMode mode) {
		if (mode != null) {
			modes.put(name, mode);
		}
	}

	private static ProviderSpec provider(String name, ProviderProperties provider) {
		Map<String, ModelSpec> models = new LinkedHashMap<>();
		provider.getModels()
			.forEach((modelName, model) -> models.put(modelName, new ModelSpec(new ModelRef(name, modelName),
					price(model), model.getContextWindow(), model.getMaxOutputTokens(), limits(model))));
		Duration maxWait = provider.getMaxWait();
		return new ProviderSpec(name, textOrNull(provider.getBaseUrl()), limits(provider),
				provider.getMaxConcurrent(), maxWait, models, provider.getLimits(), provider.getQuotaZone());
	}

	/** The global breaker policy, and each model that sets values of its own merged over it. */
	private static BreakerSettings breaker(LlmGuardProperties properties) {
		BreakerProperties global = properties.getBreaker();
		BreakerPolicy defaults = new BreakerPolicy(global.isEnabled(), global.getFailures(), global.getWindow(),
				global.getOpenFor(), global.getMaxOpen());
		Map<ModelRef, BreakerPolicy> models = new LinkedHashMap<>();
		properties.getProviders().forEach((provider, providerProperties) -> providerProperties.getModels()
			.forEach((model, modelProperties) -> {
				ModelBreakerProperties own = modelProperties.getBreaker();
				if (own.isSet()) {
					models.put(new ModelRef(provider, model), new BreakerPolicy(
							orElse(own.getEnabled(), defaults.enabled()), orElse(own.getFailures(), defaults.failures()),
							orElse(own.getWindow(), defaults.window()), orElse(own.getOpenFor(), defaults.openFor()),
							orElse(own.getMaxOpen(), defaults.maxOpen())));
				}
			}));
		return new BreakerSettings(defaults, models);
	}

	private static <T> T orElse(T value, T fallback) {
		return (value != null) ? value : fallback;
	}

	private static ModelPrice price(ModelProperties model) {
		if (model.getInputPrice() == null && model.getOutputPrice() == null) {
			return null;
		}
		return new ModelPrice(model.getInputPrice(), model.getCachedInputPrice(), model.getOutputPrice(),
				model.getCacheWritePrice());
	}

	private static RateLimits limits(RateLimitProperties limits) {
		return new RateLimits(limits.getRequestsPerMinute(), limits.getTokensPerMinute(),
				limits.getInputTokensPerMinute(), limits.getOutputTokensPerMinute(), limits.getRequestsPerDay(),
				limits.getTokensPerDay());
	}

	private static String textOrNull(String text) {
		return (text != null && !text.isBlank()) ? text : null;
	}

}

package dev.llmguard.autoconfigure;

import dev.llmguard.core.config.GuardMode;
import java.math.BigDecimal;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.llmguard.annotation.RateLimitedLlmAspect;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.NestedConfigurationProperty;

/**
 * Configuration properties of llm-guard ({@code llm.guard.*}): the switches that apply to every
 * call, the named providers, chains, budgets and tools, and one class per concern for the rest
 * ({@code redis}, {@code memory}, {@code retry}, {@code events}, ...).
 * <p>
 * Provider, model, chain, budget and tool names are map keys. A key that contains a dot, such as
 * the model {@code gpt-4.1}, must be written in brackets in {@code .properties} files and in YAML
 * (quoted there): {@code llm.guard.providers.openai.models.[gpt-4.1].input-price=2} or
 * {@code "[gpt-4.1]":}. Without brackets Spring Boot splits the name at the dot.
 * <p>
 * Invalid values stop start-up with a message naming the key and the fix; see
 * {@link LlmGuardConfigurationValidator}.
 *
 * @see GuardSettingsFactory
 */
@ConfigurationProperties("llm.guard")
public class LlmGuardProperties {

	/**
	 * Whether llm-guard is enabled. When false, none of its beans is created and calls are not
	 * guarded.
	 */
	private boolean enabled = true;

	/**
	 * Where limits, budgets and cooldowns are kept: 'memory' for one instance, 'redis' to share
	 * them between instances (needs spring-boot-starter-data-redis).
	 */
	private Backend backend = Backend.MEMORY;

	/**
	 * Share of every declared provider limit that llm-guard uses, greater than 0 and at most 1.
	 * Keeps room for other clients of the same API key and for estimation errors.
	 */
	private double headroom = 0.8;

	/**
	 * Whether llm-guard acts on its decisions (enforce) or only counts them (shadow): in shadow mode
	 * nothing is rejected, delayed, shrunk or rewritten, the provider receives exactly the calls the
	 * application makes, and every decision that would have acted is counted in llm.guard.decisions
	 * (shadowed=true). Providers, budgets and tools may set their own mode; the most specific wins.
	 */
	private GuardMode mode = GuardMode.ENFORCE;

	/** Time zone of calendar budget periods (hour, day, week, month). */
	private ZoneId zone = ZoneId.of("UTC");

	/**
	 * Order of the @RateLimitedLlm aspect (lower runs first, outside). Defaults to
	 * Ordered.LOWEST_PRECEDENCE, innermost: caching, transactions and the application's own retries
	 * wrap the guarded call, so a cache hit is not guarded and every retry is admitted on its own.
	 */
	private int aspectOrder = RateLimitedLlmAspect.DEFAULT_ORDER;

	/**
	 * USD per one million input tokens for a model without a configured or built-in price. Using
	 * it is logged once per model as a warning.
	 */
	private BigDecimal defaultInputPrice = new BigDecimal("5.00");

	/**
	 * USD per one million output tokens for a model without a configured or built-in price.
	 */
	private BigDecimal defaultOutputPrice = new BigDecimal("15.00");

	/** Spring AI integration. */
	@NestedConfigurationProperty
	private final SpringAiProperties springAi = new SpringAiProperties();

	/** Redis backend. */
	@NestedConfigurationProperty
	private final RedisBackendProperties redis = new RedisBackendProperties();

	/** Token estimation before a call. */
	@NestedConfigurationProperty
	private final EstimationProperties estimation = new EstimationProperties();

	/** The in-memory backend (llm.guard.backend=memory). */
	@NestedConfigurationProperty
	private final MemoryBackendProperties memory = new MemoryBackendProperties();

	/** Retry of transient provider failures. */
	@NestedConfigurationProperty
	private final RetryProperties retry = new RetryProperties();

	/** Capacity kept for more urgent calls. */
	@NestedConfigurationProperty
	private final PriorityProperties priority = new PriorityProperties();

	/** The circuit breaker of every model. */
	@NestedConfigurationProperty
	private final BreakerProperties breaker = new BreakerProperties();

	/** Events kept for the llmguardevents actuator endpoint. */
	@NestedConfigurationProperty
	private final EventsProperties events = new EventsProperties();

	/** HTTP answers of Spring MVC and WebFlux applications to guard exceptions. */
	@NestedConfigurationProperty
	private final WebProperties web = new WebProperties();

	/**
	 * LLM providers by name (free text, used in 'provider/model' references): their limits,
	 * base URL and models.
	 */
	private Map<String, ProviderProperties> providers = new LinkedHashMap<>();

	/** Fallback chains by name: models tried in order. */
	private Map<String, ChainProperties> chains = new LinkedHashMap<>();

	/** Budgets by name: cost and token caps per period, globally, per tenant or per session. */
	private Map<String, BudgetProperties> budgets = new LinkedHashMap<>();

	/** Rate limits of function-calling tools, by tool name. */
	private Map<String, ToolProperties> tools = new LinkedHashMap<>();

	public GuardMode getMode() {
		return this.mode;
	}

	public void setMode(GuardMode mode) {
		this.mode = mode;
	}

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public Backend getBackend() {
		return this.backend;
	}

	public void setBackend(Backend backend) {
		this.backend = backend;
	}

	public double getHeadroom() {
		return this.headroom;
	}

	public void setHeadroom(double headroom) {
		this.headroom = headroom;
	}

	public ZoneId getZone() {
		return this.zone;
	}

	public void setZone(ZoneId zone) {
		this.zone = zone;
	}

	public int getAspectOrder() {
		return this.aspectOrder;
	}

	public void setAspectOrder(int aspectOrder) {
		this.aspectOrder = aspectOrder;
	}

	public BigDecimal getDefaultInputPrice() {
		return this.defaultInputPrice;
	}

	public void setDefaultInputPrice(BigDecimal defaultInputPrice) {
		this.defaultInputPrice = defaultInputPrice;
	}

	public BigDecimal getDefaultOutputPrice() {
		return this.defaultOutputPrice;
	}

	public void setDefaultOutputPrice(BigDecimal defaultOutputPrice) {
		this.defaultOutputPrice = defaultOutputPrice;
	}

	public SpringAiProperties getSpringAi() {
		return this.springAi;
	}

	public RedisBackendProperties getRedis() {
		return this.redis;
	}

	public EstimationProperties getEstimation() {
		return this.estimation;
	}

	public MemoryBackendProperties getMemory() {
		return this.memory;
	}

	public RetryProperties getRetry() {
		return this.retry;
	}

	public PriorityProperties getPriority() {
		return this.priority;
	}

	public BreakerProperties getBreaker() {
		return this.breaker;
	}

	public EventsProperties getEvents() {
		return this.events;
	}

	public WebProperties getWeb() {
		return this.web;
	}

	public Map<String, ProviderProperties> getProviders() {
		return this.providers;
	}

	public void setProviders(Map<String, ProviderProperties> providers) {
		this.providers = providers;
	}

	public Map<String, ChainProperties> getChains() {
		return this.chains;
	}

	public void setChains(Map<String, ChainProperties> chains) {
		this.chains = chains;
	}

	public Map<String, BudgetProperties> getBudgets() {
		return this.budgets;
	}

	public void setBudgets(Map<String, BudgetProperties> budgets) {
		this.budgets = budgets;
	}

	public Map<String, ToolProperties> getTools() {
		return this.tools;
	}

	public void setTools(Map<String, ToolProperties> tools) {
		this.tools = tools;
	}

	/** Where llm-guard keeps its state. */
	public enum Backend {

		/** In this JVM: limits and budgets apply per instance. */
		MEMORY,
		/** In Redis: limits and budgets are shared by every instance. */
		REDIS

	}

}

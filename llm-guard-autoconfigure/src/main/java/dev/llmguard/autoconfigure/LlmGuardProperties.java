package dev.llmguard.autoconfigure;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.llmguard.annotation.RateLimitedLlmAspect;
import dev.llmguard.core.config.BudgetPeriod;
import dev.llmguard.core.config.BudgetScope;
import dev.llmguard.core.config.OnExceeded;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Configuration properties of llm-guard ({@code llm.guard.*}).
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
	private final SpringAi springAi = new SpringAi();

	/** Redis backend. */
	private final Redis redis = new Redis();

	/** Token estimation before a call. */
	private final Estimation estimation = new Estimation();

	/** The in-memory backend (llm.guard.backend=memory). */
	private final Memory memory = new Memory();

	/** Retry of transient provider failures. */
	private final Retry retry = new Retry();

	/** Capacity kept for more urgent calls. */
	private final Priority priority = new Priority();

	/** Events kept for the llmguardevents actuator endpoint. */
	private final Events events = new Events();

	/**
	 * LLM providers by name (free text, used in 'provider/model' references): their limits,
	 * base URL and models.
	 */
	private Map<String, Provider> providers = new LinkedHashMap<>();

	/** Fallback chains by name: models tried in order. */
	private Map<String, Chain> chains = new LinkedHashMap<>();

	/** Budgets by name: cost and token caps per period, globally, per tenant or per session. */
	private Map<String, Budget> budgets = new LinkedHashMap<>();

	/** Rate limits of function-calling tools, by tool name. */
	private Map<String, Tool> tools = new LinkedHashMap<>();

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

	public SpringAi getSpringAi() {
		return this.springAi;
	}

	public Redis getRedis() {
		return this.redis;
	}

	public Estimation getEstimation() {
		return this.estimation;
	}

	public Memory getMemory() {
		return this.memory;
	}

	public Retry getRetry() {
		return this.retry;
	}

	public Priority getPriority() {
		return this.priority;
	}

	public Events getEvents() {
		return this.events;
	}

	public Map<String, Provider> getProviders() {
		return this.providers;
	}

	public void setProviders(Map<String, Provider> providers) {
		this.providers = providers;
	}

	public Map<String, Chain> getChains() {
		return this.chains;
	}

	public void setChains(Map<String, Chain> chains) {
		this.chains = chains;
	}

	public Map<String, Budget> getBudgets() {
		return this.budgets;
	}

	public void setBudgets(Map<String, Budget> budgets) {
		this.budgets = budgets;
	}

	public Map<String, Tool> getTools() {
		return this.tools;
	}

	public void setTools(Map<String, Tool> tools) {
		this.tools = tools;
	}

	/** Where llm-guard keeps its state. */
	public enum Backend {

		/** In this JVM: limits and budgets apply per instance. */
		MEMORY,
		/** In Redis: limits and budgets are shared by every instance. */
		REDIS

	}

	/** What a call does while Redis cannot be reached. */
	public enum RedisFailureMode {

		/** Admit the call, count it, log a warning. */
		FAIL_OPEN,
		/** Reject the call with a clear error. */
		FAIL_CLOSED

	}

	/** Spring AI integration. */
	public static class SpringAi {

		/** Whether every ChatClient.Builder gets the guard advisor. */
		private boolean enabled = true;

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

	}

	/** Redis backend. */
	public static class Redis {

		/** Prefix of every Redis key llm-guard writes. */
		private String keyPrefix = "llm-guard";

		/**
		 * What a call does while Redis cannot be reached: 'fail-open' admits, counts and warns;
		 * 'fail-closed' rejects with a clear error.
		 */
		private RedisFailureMode onFailure = RedisFailureMode.FAIL_OPEN;

		/** Longest wait for one Redis operation before it counts as failed. */
		private Duration timeout = Duration.ofSeconds(1);

		/**
		 * How long a budget reservation stays held without being renewed: the instance running the call
		 * renews it while the call runs, so the reservations of an instance that crashed are reclaimed
		 * after this.
		 */
		private Duration reservationLease = Duration.ofMinutes(10);

		/** How long entries of budgets with period 'none' are kept while unused. */
		private Duration idleTtl = Duration.ofDays(30);

		/** After a failure, how long Redis is not asked again (the failure mode applies meanwhile). */
		private Duration retryInterval = Duration.ofSeconds(1);

		public Duration getTimeout() {
			return this.timeout;
		}

		public void setTimeout(Duration timeout) {
			this.timeout = timeout;
		}

		public Duration getReservationLease() {
			return this.reservationLease;
		}

		public void setReservationLease(Duration reservationLease) {
			this.reservationLease = reservationLease;
		}

		public Duration getIdleTtl() {
			return this.idleTtl;
		}

		public void setIdleTtl(Duration idleTtl) {
			this.idleTtl = idleTtl;
		}

		public Duration getRetryInterval() {
			return this.retryInterval;
		}

		public void setRetryInterval(Duration retryInterval) {
			this.retryInterval = retryInterval;
		}

		public String getKeyPrefix() {
			return this.keyPrefix;
		}

		public void setKeyPrefix(String keyPrefix) {
			this.keyPrefix = keyPrefix;
		}

		public RedisFailureMode getOnFailure() {
			return this.onFailure;
		}

		public void setOnFailure(RedisFailureMode onFailure) {
			this.onFailure = onFailure;
		}

	}

	/** The in-memory backend (llm.guard.backend=memory). */
	public static class Memory {

		/**
		 * Tenant and session budget entries kept in memory, all budgets and periods together (global
		 * budgets and entries holding a reservation are not counted). Past it the least recently used
		 * entries are forgotten and start from zero again, with one warning; use the Redis backend for
		 * more tenants than fit.
		 */
		private int maxBudgetEntries = 100_000;

		public int getMaxBudgetEntries() {
			return this.maxBudgetEntries;
		}

		public void setMaxBudgetEntries(int maxBudgetEntries) {
			this.maxBudgetEntries = maxBudgetEntries;
		}

	}

	/** Token estimation before a call. */
	public static class Estimation {

		/**
		 * Output tokens reserved for a call whose request sets no maximum and whose model has no
		 * configured max-output-tokens.
		 */
		private int defaultMaxOutputTokens = 1024;

		public int getDefaultMaxOutputTokens() {
			return this.defaultMaxOutputTokens;
		}

		public void setDefaultMaxOutputTokens(int defaultMaxOutputTokens) {
			this.defaultMaxOutputTokens = defaultMaxOutputTokens;
		}

	}

	/** Retry of transient provider failures (429 that is not a quota error, 5xx, 529, I/O errors). */
	public static class Retry {

		/** Attempts per model, the first one included; 1 disables retries. */
		private int maxAttempts = 5;

		/** Pause before the first retry. */
		private Duration initialBackoff = Duration.ofSeconds(1);

		/** Growth of the pause from one retry to the next, at least 1. */
		private double multiplier = 2.0;

		/** Longest computed pause between two attempts. */
		private Duration maxBackoff = Duration.ofSeconds(60);

		/** Longest pause a provider's Retry-After header may ask for; longer ones are capped. */
		private Duration maxRetryAfter = Duration.ofSeconds(120);

		public int getMaxAttempts() {
			return this.maxAttempts;
		}

		public void setMaxAttempts(int maxAttempts) {
			this.maxAttempts = maxAttempts;
		}

		public Duration getInitialBackoff() {
			return this.initialBackoff;
		}

		public void setInitialBackoff(Duration initialBackoff) {
			this.initialBackoff = initialBackoff;
		}

		public double getMultiplier() {
			return this.multiplier;
		}

		public void setMultiplier(double multiplier) {
			this.multiplier = multiplier;
		}

		public Duration getMaxBackoff() {
			return this.maxBackoff;
		}

		public void setMaxBackoff(Duration maxBackoff) {
			this.maxBackoff = maxBackoff;
		}

		public Duration getMaxRetryAfter() {
			return this.maxRetryAfter;
		}

		public void setMaxRetryAfter(Duration maxRetryAfter) {
			this.maxRetryAfter = maxRetryAfter;
		}

	}

	/** Priorities of calls. */
	public static class Priority {

		/** Shares of each bucket that only more urgent calls may use. */
		private final Reserve reserve = new Reserve();

		public Reserve getReserve() {
			return this.reserve;
		}

		/** Shares of each bucket that only more urgent calls may use, each in [0, 1). */
		public static class Reserve {

			/** Share of each bucket that normal calls (priorities 4-7) cannot take. */
			private double normal = 0.1;

			/**
			 * Share of each bucket that low-priority calls (priorities 8-10) cannot take; at least
			 * the normal reserve.
			 */
			private double low = 0.3;

			public double getNormal() {
				return this.normal;
			}

			public void setNormal(double normal) {
				this.normal = normal;
			}

			public double getLow() {
				return this.low;
			}

			public void setLow(double low) {
				this.low = low;
			}

		}

	}

	/** Events kept for the llmguardevents actuator endpoint. */
	public static class Events {

		/** How many of the latest events are kept in memory (oldest dropped first). */
		private int bufferSize = 200;

		public int getBufferSize() {
			return this.bufferSize;
		}

		public void setBufferSize(int bufferSize) {
			this.bufferSize = bufferSize;
		}

	}

	/**
	 * Declared rate limits of a provider or a model; every limit is optional and must be greater
	 * than zero when set. Headroom is applied on top.
	 */
	public abstract static class Limits {

		/** Requests per minute the provider allows. */
		private Long requestsPerMinute;

		/** Tokens (input plus output) per minute the provider allows. */
		private Long tokensPerMinute;

		/** Input tokens per minute the provider allows (Anthropic style). */
		private Long inputTokensPerMinute;

		/** Output tokens per minute the provider allows (Anthropic style). */
		private Long outputTokensPerMinute;

		/** Requests per day the provider allows. */
		private Long requestsPerDay;

		/** Tokens (input plus output) per day the provider allows. */
		private Long tokensPerDay;

		public Long getRequestsPerMinute() {
			return this.requestsPerMinute;
		}

		public void setRequestsPerMinute(Long requestsPerMinute) {
			this.requestsPerMinute = requestsPerMinute;
		}

		public Long getTokensPerMinute() {
			return this.tokensPerMinute;
		}

		public void setTokensPerMinute(Long tokensPerMinute) {
			this.tokensPerMinute = tokensPerMinute;
		}

		public Long getInputTokensPerMinute() {
			return this.inputTokensPerMinute;
		}

		public void setInputTokensPerMinute(Long inputTokensPerMinute) {
			this.inputTokensPerMinute = inputTokensPerMinute;
		}

		public Long getOutputTokensPerMinute() {
			return this.outputTokensPerMinute;
		}

		public void setOutputTokensPerMinute(Long outputTokensPerMinute) {
			this.outputTokensPerMinute = outputTokensPerMinute;
		}

		public Long getRequestsPerDay() {
			return this.requestsPerDay;
		}

		public void setRequestsPerDay(Long requestsPerDay) {
			this.requestsPerDay = requestsPerDay;
		}

		public Long getTokensPerDay() {
			return this.tokensPerDay;
		}

		public void setTokensPerDay(Long tokensPerDay) {
			this.tokensPerDay = tokensPerDay;
		}

	}

	/** An LLM provider (one API key or account): its limits and its models. */
	public static class Provider extends Limits {

		/** Base URL of the provider's API; RestClient calls to it are guarded. */
		private String baseUrl;

		/** Calls to this provider that may run at the same time; no cap when unset. */
		private Integer maxConcurrent;

		/**
		 * Longest time a call waits for capacity before it fails over or is rejected; 30s when
		 * unset, 0 to never wait.
		 */
		private Duration maxWait;

		/**
		 * Whether RestClient requests to base-url that are not chat requests the guard understands
		 * (chat completions, responses, messages), for example embeddings, files, batches or reads,
		 * count against this provider's request limits and max-concurrent as plain requests (no
		 * tokens, no budget, body unchanged). When false they pass unguarded.
		 */
		private boolean guardOtherRequests;

		/**
		 * Models of this provider by the name the provider uses (for example gpt-4o). Write names
		 * with dots in brackets: [gpt-4.1]. When at least one model is listed, chains and
		 * annotations may only name listed models.
		 */
		private Map<String, Model> models = new LinkedHashMap<>();

		public String getBaseUrl() {
			return this.baseUrl;
		}

		public void setBaseUrl(String baseUrl) {
			this.baseUrl = baseUrl;
		}

		public Integer getMaxConcurrent() {
			return this.maxConcurrent;
		}

		public void setMaxConcurrent(Integer maxConcurrent) {
			this.maxConcurrent = maxConcurrent;
		}

		public Duration getMaxWait() {
			return this.maxWait;
		}

		public void setMaxWait(Duration maxWait) {
			this.maxWait = maxWait;
		}

		public boolean isGuardOtherRequests() {
			return this.guardOtherRequests;
		}

		public void setGuardOtherRequests(boolean guardOtherRequests) {
			this.guardOtherRequests = guardOtherRequests;
		}

		public Map<String, Model> getModels() {
			return this.models;
		}

		public void setModels(Map<String, Model> models) {
			this.models = models;
		}

	}

	/** A model of a provider: its prices, context window and model-level limits. */
	public static class Model extends Limits {

		/**
		 * USD per one million input tokens; overrides the built-in price. Set together with
		 * output-price.
		 */
		private BigDecimal inputPrice;

		/** USD per one million cached input tokens; defaults to input-price. */
		private BigDecimal cachedInputPrice;

		/**
		 * USD per one million input tokens written to the provider's prompt cache with its default
		 * five-minute lifetime (Anthropic bills 1.25 x input-price; one-hour writes are billed at 2 x
		 * input-price). When set, the worst case of a call prices its input as cache writes. Defaults to
		 * 1.25 x input-price for cache writes a provider reports.
		 */
		private BigDecimal cacheWritePrice;

		/**
		 * USD per one million output tokens; overrides the built-in price. Set together with
		 * input-price.
		 */
		private BigDecimal outputPrice;

		/** Context window in tokens (input plus output); calls that would not fit skip the model. */
		private Integer contextWindow;

		/**
		 * Output tokens reserved for a call whose request sets no maximum; defaults to
		 * llm.guard.estimation.default-max-output-tokens.
		 */
		private Integer maxOutputTokens;

		public BigDecimal getInputPrice() {
			return this.inputPrice;
		}

		public void setInputPrice(BigDecimal inputPrice) {
			this.inputPrice = inputPrice;
		}

		public BigDecimal getCachedInputPrice() {
			return this.cachedInputPrice;
		}

		public void setCachedInputPrice(BigDecimal cachedInputPrice) {
			this.cachedInputPrice = cachedInputPrice;
		}

		public BigDecimal getCacheWritePrice() {
			return this.cacheWritePrice;
		}

		public void setCacheWritePrice(BigDecimal cacheWritePrice) {
			this.cacheWritePrice = cacheWritePrice;
		}

		public BigDecimal getOutputPrice() {
			return this.outputPrice;
		}

		public void setOutputPrice(BigDecimal outputPrice) {
			this.outputPrice = outputPrice;
		}

		public Integer getContextWindow() {
			return this.contextWindow;
		}

		public void setContextWindow(Integer contextWindow) {
			this.contextWindow = contextWindow;
		}

		public Integer getMaxOutputTokens() {
			return this.maxOutputTokens;
		}

		public void setMaxOutputTokens(Integer maxOutputTokens) {
			this.maxOutputTokens = maxOutputTokens;
		}

	}

	/** A fallback chain. */
	public static class Chain {

		/**
		 * Models tried in order, most preferred first, each written 'provider/model' (for example
		 * openai/gpt-4o).
		 */
		private List<String> models = new ArrayList<>();

		/** How long a rate-limited or overloaded model of this chain is skipped. */
		private Duration cooldown = Duration.ofSeconds(60);

		/** Last answer returned when every model of the chain failed; none when unset. */
		private String fallbackResponse;

		public List<String> getModels() {
			return this.models;
		}

		public void setModels(List<String> models) {
			this.models = models;
		}

		public Duration getCooldown() {
			return this.cooldown;
		}

		public void setCooldown(Duration cooldown) {
			this.cooldown = cooldown;
		}

		public String getFallbackResponse() {
			return this.fallbackResponse;
		}

		public void setFallbackResponse(String fallbackResponse) {
			this.fallbackResponse = fallbackResponse;
		}

	}

	/** A budget: max-cost and/or max-tokens per period. */
	public static class Budget {

		/** Who the budget is counted for: global, tenant or session. */
		private BudgetScope scope = BudgetScope.GLOBAL;

		/**
		 * Calendar period after which the budget starts again, in llm.guard.zone: none (never), hour,
		 * day, week or month.
		 */
		private BudgetPeriod period = BudgetPeriod.NONE;

		/** Most USD that may be spent per period and scope key. */
		private BigDecimal maxCost;

		/** Most tokens (input plus output) that may be used per period and scope key. */
		private Long maxTokens;

		/** Share of the budget, greater than 0 and at most 1, at which a warning is raised. */
		private double warnAt = 0.8;

		/**
		 * What happens to a call the budget cannot afford: reject it, or downgrade it to the next
		 * (cheaper) model of its chain.
		 */
		private OnExceeded onExceeded = OnExceeded.REJECT;

		public BudgetScope getScope() {
			return this.scope;
		}

		public void setScope(BudgetScope scope) {
			this.scope = scope;
		}

		public BudgetPeriod getPeriod() {
			return this.period;
		}

		public void setPeriod(BudgetPeriod period) {
			this.period = period;
		}

		public BigDecimal getMaxCost() {
			return this.maxCost;
		}

		public void setMaxCost(BigDecimal maxCost) {
			this.maxCost = maxCost;
		}

		public Long getMaxTokens() {
			return this.maxTokens;
		}

		public void setMaxTokens(Long maxTokens) {
			this.maxTokens = maxTokens;
		}

		public double getWarnAt() {
			return this.warnAt;
		}

		public void setWarnAt(double warnAt) {
			this.warnAt = warnAt;
		}

		public OnExceeded getOnExceeded() {
			return this.onExceeded;
		}

		public void setOnExceeded(OnExceeded onExceeded) {
			this.onExceeded = onExceeded;
		}

	}

	/** A rate limit on one function-calling tool. */
	public static class Tool {

		/** Calls of the tool allowed per window; required. */
		private Long limit;

		/** Length of the window. */
		private Duration window = Duration.ofSeconds(60);

		/** What the tool answers while it is limited; the call fails when unset. */
		private String fallbackResponse;

		public Long getLimit() {
			return this.limit;
		}

		public void setLimit(Long limit) {
			this.limit = limit;
		}

		public Duration getWindow() {
			return this.window;
		}

		public void setWindow(Duration window) {
			this.window = window;
		}

		public String getFallbackResponse() {
			return this.fallbackResponse;
		}

		public void setFallbackResponse(String fallbackResponse) {
			this.fallbackResponse = fallbackResponse;
		}

	}

}

package dev.llmguard.autoconfigure;

import dev.llmguard.core.config.GuardMode;
import java.time.Duration;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.llmguard.core.config.LimitsMode;

/**
 * An LLM provider ({@code llm.guard.providers.<name>.*}), one API key or account: its limits and
 * its models.
 */
public class ProviderProperties extends RateLimitProperties {

	/** Base URL of the provider's API; RestClient calls to it are guarded. */
	private String baseUrl;

	/**
	 * Bean name of the Spring AI ChatModel that talks to this provider. Without it, a bean of one of
	 * Spring AI's model classes belongs to the provider of the conventional name for its class (openai,
	 * anthropic, google-genai, ollama, azure-openai, mistral, deepseek, bedrock). Set it for any other
	 * ChatModel bean, or to tell two accounts of one provider apart.
	 */
	private String chatModel;

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
	 * How this provider's limits are found. declared: the limits set here, lowered by what the
	 * provider's answers report (a lower limit, or less remaining than llm-guard holds, as when other
	 * services draw from the same key); never above them. auto: learned from the answers' rate-limit
	 * headers, no numbers needed (limits set here are ceilings); one call at a time until the first
	 * answer. fixed: only the limits set here; the headers are not read.
	 */
	private LimitsMode limits = LimitsMode.DECLARED;

	/**
	 * Whether this provider's rate, cooldown, context-window, retry and failover decisions act
	 * (enforce) or are only counted (shadow); unset: llm.guard.mode.
	 */
	private GuardMode mode;

	/**
	 * Time zone in which this provider's daily quotas reset. A model whose quota is spent, when the
	 * answer names no reset, is closed until the next midnight there.
	 */
	private ZoneId quotaZone = ZoneOffset.UTC;

	/**
	 * Models of this provider by the name the provider uses (for example gpt-4o). Write names
	 * with dots in brackets: [gpt-4.1]. When at least one model is listed, chains and
	 * annotations may only name listed models.
	 */
	private Map<String, ModelProperties> models = new LinkedHashMap<>();

	public GuardMode getMode() {
		return this.mode;
	}

	public void setMode(GuardMode mode) {
		this.mode = mode;
	}

	public String getBaseUrl() {
		return this.baseUrl;
	}

	public void setBaseUrl(String baseUrl) {
		this.baseUrl = baseUrl;
	}

	public String getChatModel() {
		return this.chatModel;
	}

	public void setChatModel(String chatModel) {
		this.chatModel = chatModel;
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

	public LimitsMode getLimits() {
		return this.limits;
	}

	public void setLimits(LimitsMode limits) {
		this.limits = limits;
	}

	public ZoneId getQuotaZone() {
		return this.quotaZone;
	}

	public void setQuotaZone(ZoneId quotaZone) {
		this.quotaZone = quotaZone;
	}

	public boolean isGuardOtherRequests() {
		return this.guardOtherRequests;
	}

	public void setGuardOtherRequests(boolean guardOtherRequests) {
		this.guardOtherRequests = guardOtherRequests;
	}

	public Map<String, ModelProperties> getModels() {
		return this.models;
	}

	public void setModels(Map<String, ModelProperties> models) {
		this.models = models;
	}

}

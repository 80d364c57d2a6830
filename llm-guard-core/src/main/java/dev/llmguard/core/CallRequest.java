package dev.llmguard.core;

import java.time.Duration;

import dev.llmguard.core.model.ModelRef;
import dev.llmguard.core.model.Priority;

/**
 * What is known about a call before it is admitted. Build it with {@link #builder()}.
 *
 * @param chain chain name, or {@code null} when {@code model} or the provider's only model is used
 * @param model explicit model, or {@code null}
 * @param tenant tenant key for tenant budgets, or {@code null}
 * @param session session or run key for session budgets, or {@code null}
 * @param tool configured tool limit that applies, or {@code null}
 * @param priority 1 (most urgent) to 10
 * @param promptText text whose tokens are estimated when {@code estimatedInputTokens} is absent
 * @param estimatedInputTokens input token estimate, or {@code null}
 * @param maxOutputTokens output allowance, or {@code null} for the model's default
 * @param maxWait longest wait for capacity, or {@code null} for the provider's; zero never waits
 * @param maxTotalTime the call's deadline from its start (waits, retries and their pauses together), or
 * {@code null} for {@code llm.guard.retry.max-total-time}
 * @param cacheKey the key of the call's answer in its chain's cache of last answers, or {@code null} for
 * the prompt text's (only a digest of it is kept)
 */
public record CallRequest(String chain, ModelRef model, String tenant, String session, String tool, int priority,
		String promptText, Long estimatedInputTokens, Integer maxOutputTokens, Duration maxWait,
		Duration maxTotalTime, String cacheKey) {

	/** Priority used when none is given. */
	public static final int DEFAULT_PRIORITY = Priority.DEFAULT;

	public CallRequest {
		Priority.of(priority);
		tenant = blankToNull(tenant);
		session = blankToNull(session);
		tool = blankToNull(tool);
		chain = blankToNull(chain);
		cacheKey = blankToNull(cacheKey);
		if (estimatedInputTokens != null && estimatedInputTokens < 0) {
			throw new IllegalArgumentException("estimated input tokens cannot be negative: " + estimatedInputTokens);
		}
		if (maxOutputTokens != null && maxOutputTokens <= 0) {
			throw new IllegalArgumentException("max output tokens must be positive: " + maxOutputTokens);
		}
		if (maxWait != null && maxWait.isNegative()) {
			throw new IllegalArgumentException("max wait cannot be negative: " + maxWait);
		}
		if (maxTotalTime != null && maxTotalTime.isNegative()) {
			throw new IllegalArgumentException("max total time cannot be negative: " + maxTotalTime);
		}
	}

	/** A request with the default deadline and without a cache key of its own. */
	public CallRequest(String chain, ModelRef model, String tenant, String session, String tool, int priority,
			String promptText, Long estimatedInputTokens, Integer maxOutputTokens, Duration maxWait) {
		this(chain, model, tenant, session, tool, priority, promptText, estimatedInputTokens, maxOutputTokens, maxWait,
				null, null);
	}

	private static String blankToNull(String value) {
		return (value == null || value.isBlank()) ? null : value;
	}

	public static Builder builder() {
		return new Builder();
	}

	public Builder toBuilder() {
		Builder b = new Builder();
		b.chain = this.chain;
		b.model = this.model;
		b.tenant = this.tenant;
		b.session = this.session;
		b.tool = this.tool;
		b.priority = this.priority;
		b.promptText = this.promptText;
		b.estimatedInputTokens = this.estimatedInputTokens;
		b.maxOutputTokens = this.maxOutputTokens;
		b.maxWait = this.maxWait;
		b.maxTotalTime = this.maxTotalTime;
		b.cacheKey = this.cacheKey;
		return b;
	}

	/** Builder of {@link CallRequest}. */
	public static final class Builder {

		private String chain;

		private ModelRef model;

		private String tenant;

		private String session;

		private String tool;

		private int priority = DEFAULT_PRIORITY;

		private String promptText;

		private Long estimatedInputTokens;

		private Integer maxOutputTokens;

		private Duration maxWait;

		private Duration maxTotalTime;

		private String cacheKey;

		public Builder chain(String chain) {
			this.chain = chain;
			return this;
		}

		public Builder model(ModelRef model) {
			this.model = model;
			return this;
		}

		public Builder model(String providerSlashModel) {
			this.model = (providerSlashModel != null && !providerSlashModel.isBlank())
					? ModelRef.parse(providerSlashModel) : null;
			return this;
		}

		public Builder tenant(String tenant) {
			this.tenant = tenant;
			return this;
		}

		public Builder session(String session) {
			this.session = session;
			return this;
		}

		public Builder tool(String tool) {
			this.tool = tool;
			return this;
		}

		public Builder priority(int priority) {
			this.priority = priority;
			return this;
		}

		public Builder prompt(String promptText) {
			this.promptText = promptText;
			return this;
		}

		public Builder estimatedInputTokens(Long tokens) {
			this.estimatedInputTokens = tokens;
			return this;
		}

		public Builder maxOutputTokens(Integer tokens) {
			this.maxOutputTokens = tokens;
			return this;
		}

		public Builder maxWait(Duration maxWait) {
			this.maxWait = maxWait;
			return this;
		}

		/**
		 * The call's deadline from its start: its waits for capacity, retries and their pauses together;
		 * {@code null} for {@code llm.guard.retry.max-total-time}.
		 */
		public Builder maxTotalTime(Duration maxTotalTime) {
			this.maxTotalTime = maxTotalTime;
			return this;
		}

		/**
		 * The key of the call's answer in its chain's cache of last answers (only a digest of it, with the
		 * chain and the tenant, is kept); default: the prompt text's.
		 */
		public Builder cacheKey(String cacheKey) {
			this.cacheKey = cacheKey;
			return this;
		}

		public CallRequest build() {
			return new CallRequest(this.chain, this.model, this.tenant, this.session, this.tool, this.priority,
					this.promptText, this.estimatedInputTokens, this.maxOutputTokens, this.maxWait,
					this.maxTotalTime, this.cacheKey);
		}

	}

	@Override
	public String toString() {
		// never the prompt
		return "CallRequest[chain=" + this.chain + ", model=" + this.model + ", tool=" + this.tool + ", priority="
				+ this.priority + "]";
	}

}

package dev.llmguard.test.provider;

/**
 * 429 answers as OpenAI, Anthropic and Google word them, for tests of how a client classifies them
 * (rate limit or exhausted quota).
 */
public final class ProviderErrorBodies {

	/** OpenAI: the account has no credit left. */
	public static final String OPENAI_INSUFFICIENT_QUOTA = """
			{"error":{"message":"You exceeded your current quota, please check your plan and billing details. \
			For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.",\
			"type":"insufficient_quota","param":null,"code":"insufficient_quota"}}""";

	/** OpenAI: the monthly budget set on the account is reached. */
	public static final String OPENAI_BILLING_HARD_LIMIT = """
			{"error":{"message":"Billing hard limit has been reached","type":"invalid_request_error","param":null,\
			"code":"billing_hard_limit_reached"}}""";

	/** OpenAI: requests per day, a rate limit that points to the billing page. */
	public static final String OPENAI_REQUESTS_PER_DAY = """
			{"error":{"message":"Rate limit reached for gpt-4o-mini in organization org-abc on requests per day (RPD): \
			Limit 10000, Used 10000, Requested 1. Please try again in 8.64s. Visit https://platform.openai.com/account/rate-limits \
			to learn more. You can increase your rate limit by adding a payment method to your account at \
			https://platform.openai.com/account/billing.","type":"requests","param":null,"code":"rate_limit_exceeded"}}""";

	/** Gemini: tokens per minute of a paid tier, with the delay Google asks for. */
	public static final String GEMINI_PER_MINUTE = """
			{"error":{"code":429,"message":"You exceeded your current quota, please check your plan and billing details. \
			For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.\\n\
			* Quota exceeded for metric: generativelanguage.googleapis.com/generate_content_paid_tier_input_token_count, \
			limit: 2000000, model: gemini-2.5-flash\\nPlease retry in 37.304117466s.","status":"RESOURCE_EXHAUSTED",\
			"details":[{"@type":"type.googleapis.com/google.rpc.QuotaFailure","violations":[{"quotaMetric":\
			"generativelanguage.googleapis.com/generate_content_paid_tier_input_token_count","quotaId":\
			"GenerateContentPaidTierInputTokensPerModelPerMinute","quotaDimensions":{"location":"global","model":\
			"gemini-2.5-flash"},"quotaValue":"2000000"}]},{"@type":"type.googleapis.com/google.rpc.Help","links":\
			[{"description":"Learn more about Gemini API quotas","url":"https://ai.google.dev/gemini-api/docs/rate-limits"}]},\
			{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"37s"}]}}""";

	/** Gemini: requests per minute, without a retry delay. */
	public static final String GEMINI_REQUESTS_PER_MINUTE = """
			{"error":{"code":429,"message":"You exceeded your current quota, please check your plan and billing details. \
			For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.",\
			"status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.QuotaFailure",\
			"violations":[{"quotaMetric":"generativelanguage.googleapis.com/generate_content_free_tier_requests",\
			"quotaId":"GenerateRequestsPerMinutePerProjectPerModel-FreeTier","quotaDimensions":{"location":"global",\
			"model":"gemini-2.5-flash"},"quotaValue":"10"}]}]}}""";

	/** Gemini: the free tier's requests of the day are spent. */
	public static final String GEMINI_PER_DAY = """
			{"error":{"code":429,"message":"You exceeded your current quota, please check your plan and billing details. \
			For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.\\n\
			* Quota exceeded for metric: generativelanguage.googleapis.com/generate_content_free_tier_requests, limit: 250, \
			model: gemini-2.5-flash\\nPlease retry in 19.6s.","status":"RESOURCE_EXHAUSTED","details":\
			[{"@type":"type.googleapis.com/google.rpc.QuotaFailure","violations":[{"quotaMetric":\
			"generativelanguage.googleapis.com/generate_content_free_tier_requests","quotaId":\
			"GenerateRequestsPerDayPerProjectPerModel-FreeTier","quotaDimensions":{"location":"global","model":\
			"gemini-2.5-flash"},"quotaValue":"250"}]},{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"19s"}]}}""";

	/** Gemini: a model the free tier does not offer at all. */
	public static final String GEMINI_LIMIT_ZERO = """
			{"error":{"code":429,"message":"You exceeded your current quota, please check your plan and billing details. \
			For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.\\n\
			* Quota exceeded for metric: generativelanguage.googleapis.com/generate_content_free_tier_input_token_count, \
			limit: 0, model: gemini-2.5-pro","status":"RESOURCE_EXHAUSTED"}}""";

	/** Gemini: the shared capacity is busy, nothing about a quota of the caller. */
	public static final String GEMINI_RESOURCE_EXHAUSTED = """
			{"error":{"code":429,"message":"Resource has been exhausted (e.g. check quota).","status":"RESOURCE_EXHAUSTED"}}""";

	/** Anthropic: input tokens per minute. */
	public static final String ANTHROPIC_RATE_LIMIT = """
			{"type":"error","error":{"type":"rate_limit_error","message":"This request would exceed the rate limit for \
			your organization (abc) of 30,000 input tokens per minute. For details, refer to: \
			https://docs.claude.com/en/api/rate-limits. You can see the response headers for current usage. Please reduce \
			the prompt length or the maximum tokens requested, or try again later."}}""";

	/** Anthropic: the organization's credit is spent (answered with 400). */
	public static final String ANTHROPIC_CREDIT_BALANCE = """
			{"type":"error","error":{"type":"invalid_request_error","message":"Your credit balance is too low to access \
			the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits."}}""";

	/** Anthropic: the usage limit the organization set for itself is reached (answered with 400). */
	public static final String ANTHROPIC_USAGE_LIMIT = """
			{"type":"error","error":{"type":"invalid_request_error","message":"You have reached your specified API \
			usage limits. You will regain access on 2026-12-01 at 00:00 UTC."}}""";

	/** Anthropic: the API is overloaded (answered with 529, or as an error event inside a stream). */
	public static final String ANTHROPIC_OVERLOADED = """
			{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}""";

	private ProviderErrorBodies() {
	}

}

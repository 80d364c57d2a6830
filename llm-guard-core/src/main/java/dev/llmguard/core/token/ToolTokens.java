package dev.llmguard.core.token;

/**
 * The input tokens that tool (function) definitions add to a request. Providers bill them as part
 * of the prompt: OpenAI renders each function's name, description and parameter schema into the
 * system prompt, Anthropic adds its definitions plus a tool-use system prompt.
 * <p>
 * The estimate counts the tokens of the name, the description and the JSON schema as sent, plus
 * {@value #PER_TOOL} tokens of framing per tool. JSON is wordier than the form OpenAI renders
 * (property names and types without quotes and braces), so the estimate errs on the high side.
 * Per request, a provider adds a fixed part once a request has tools: OpenAI's tools section
 * ({@value #OPENAI_REQUEST_OVERHEAD} tokens, rounded up from OpenAI's cookbook "How to count tokens
 * with tiktoken"), Anthropic's tool-use system prompt ({@value #ANTHROPIC_REQUEST_OVERHEAD} tokens, the
 * largest figure its pricing page lists for current models, "Tool use system prompt token count").
 */
public final class ToolTokens {

	/** Tokens of framing around one tool definition (its type, name and parameter wrapper). */
	public static final long PER_TOOL = 10;

	/** Tokens OpenAI adds once to a request with tools (the tools section of the system prompt). */
	public static final long OPENAI_REQUEST_OVERHEAD = 20;

	/** Tokens Anthropic adds once to a request with tools (the tool-use system prompt). */
	public static final long ANTHROPIC_REQUEST_OVERHEAD = 346;

	private ToolTokens() {
	}

	/**
	 * The tokens of one tool definition.
	 * @param estimator counts the tokens of text
	 * @param name the tool's name, may be {@code null}
	 * @param description its description, may be {@code null}
	 * @param schema its parameter (input) schema as JSON text, may be {@code null}
	 * @return the tokens, {@link #PER_TOOL} at least
	 */
	public static long definition(TokenEstimator estimator, String name, String description, String schema) {
		return PER_TOOL + estimator.estimate(name) + estimator.estimate(description) + estimator.estimate(schema);
	}

}

package dev.llmguard.test.simulator;

import java.util.List;

/**
 * What the simulator needs from a chat request of either dialect.
 *
 * @param model the model name, echoed in the answer
 * @param messages the prompt, the system prompt as a message of its own
 * @param maxTokens the requested output limit, {@code null} when the request sets none
 * @param stream whether the answer is streamed
 * @param includeUsage whether a streamed OpenAI answer ends with a usage chunk
 * @param offeredTool the first tool the request offers when its conversation holds no tool result yet,
 * else {@code null}: what a simulator that calls offered tools calls
 * @param cacheBreakpoint where the prompt prefix the request asks to cache ends (Anthropic's last
 * {@code cache_control} block), {@code null} when it asks for none
 */
record ChatRequest(String model, List<PromptMessage> messages, Integer maxTokens, boolean stream,
		boolean includeUsage, String offeredTool, CacheBreakpoint cacheBreakpoint) {

	ChatRequest(String model, List<PromptMessage> messages, Integer maxTokens, boolean stream, boolean includeUsage) {
		this(model, messages, maxTokens, stream, includeUsage, null, null);
	}

	ChatRequest(String model, List<PromptMessage> messages, Integer maxTokens, boolean stream, boolean includeUsage,
			String offeredTool) {
		this(model, messages, maxTokens, stream, includeUsage, offeredTool, null);
	}

	/**
	 * Counts the prefix up to the {@link #cacheBreakpoint()} as {@link #promptTokens(Tokenizer)} counts
	 * the whole prompt, without the 3 tokens that prime the reply.
	 * @param tokenizer the model's tokenizer
	 * @return the prefix tokens, 0 without a breakpoint
	 */
	int cachePrefixTokens(Tokenizer tokenizer) {
		if (this.cacheBreakpoint == null) {
			return 0;
		}
		int tokens = 0;
		for (int i = 0; i <= this.cacheBreakpoint.message() && i < this.messages.size(); i++) {
			PromptMessage message = this.messages.get(i);
			List<String> texts = message.texts();
			int count = (i < this.cacheBreakpoint.message()) ? texts.size()
					: Math.min(texts.size(), this.cacheBreakpoint.texts());
			tokens += 3 + tokenizer.count(message.role());
			for (String text : texts.subList(0, count)) {
				tokens += tokenizer.count(text);
			}
		}
		return tokens;
	}

	/**
	 * Identifies the cached prefix: the same for the same model and prefix.
	 * @return the key, 0 without a breakpoint
	 */
	long cachePrefixKey() {
		if (this.cacheBreakpoint == null) {
			return 0;
		}
		long hash = mix(0xcbf29ce484222325L, this.model);
		for (int i = 0; i <= this.cacheBreakpoint.message() && i < this.messages.size(); i++) {
			PromptMessage message = this.messages.get(i);
			List<String> texts = message.texts();
			int count = (i < this.cacheBreakpoint.message()) ? texts.size()
					: Math.min(texts.size(), this.cacheBreakpoint.texts());
			hash = mix(hash, message.role());
			for (String text : texts.subList(0, count)) {
				hash = mix(hash, text);
			}
		}
		return hash;
	}

	/**
	 * Counts the prompt as OpenAI does: 3 tokens per message plus its role, texts and (name + 1),
	 * and 3 more that prime the reply.
	 * @param tokenizer the model's tokenizer
	 * @return the prompt tokens
	 */
	int promptTokens(Tokenizer tokenizer) {
		int tokens = 3;
		for (PromptMessage message : this.messages) {
			tokens += 3 + tokenizer.count(message.role());
			for (String text : message.texts()) {
				tokens += tokenizer.count(text);
			}
			if (message.name() != null) {
				tokens += tokenizer.count(message.name()) + 1;
			}
		}
		return tokens;
	}

	/**
	 * A seed for the answer's words, the same for the same model and prompt.
	 * @return the seed
	 */
	long answerSeed() {
		long hash = 0xcbf29ce484222325L;
		hash = mix(hash, this.model);
		for (PromptMessage message : this.messages) {
			hash = mix(hash, message.role());
			for (String text : message.texts()) {
				hash = mix(hash, text);
			}
		}
		return hash;
	}

	private static long mix(long hash, String text) {
		long mixed = hash;
		if (text != null) {
			for (int i = 0; i < text.length(); i++) {
				mixed = (mixed ^ text.charAt(i)) * 0x100000001b3L;
			}
		}
		return (mixed ^ 0xff) * 0x100000001b3L;
	}

	/**
	 * One message of the prompt.
	 * @param role its role
	 * @param texts its text parts (string content is one part)
	 * @param name the participant name, {@code null} when absent
	 */
	record PromptMessage(String role, List<String> texts, String name) {

	}

	/**
	 * The end of the prompt prefix a request asks to cache.
	 * @param message the index of the message that holds the last marked block
	 * @param texts how many texts of that message belong to the prefix
	 * @param oneHour whether the cache entry lives an hour ({@code ttl: 1h}) instead of five minutes
	 */
	record CacheBreakpoint(int message, int texts, boolean oneHour) {

	}

}

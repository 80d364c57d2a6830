package dev.llmguard.http;

import java.util.List;

/**
 * The chat APIs the RestClient guard understands, known by the path of a request relative to the
 * provider's base URL (with or without a leading {@code /v1}, so a base URL may end in {@code /v1}
 * or not).
 */
enum ChatApi {

	/** OpenAI's {@code /v1/chat/completions} (and the many APIs that copy it). */
	CHAT_COMPLETIONS("/chat/completions", "messages", List.of("max_completion_tokens", "max_tokens"),
			"max_completion_tokens"),

	/** OpenAI's {@code /v1/responses}. */
	RESPONSES("/responses", "input", List.of("max_output_tokens"), "max_output_tokens"),

	/** Anthropic's {@code /v1/messages}. */
	MESSAGES("/messages", "messages", List.of("max_tokens"), "max_tokens");

	private final String path;

	private final String promptMember;

	private final List<String> maxTokensMembers;

	private final String addedMaxTokensMember;

	ChatApi(String path, String promptMember, List<String> maxTokensMembers, String addedMaxTokensMember) {
		this.path = path;
		this.promptMember = promptMember;
		this.maxTokensMembers = maxTokensMembers;
		this.addedMaxTokensMember = addedMaxTokensMember;
	}

	/** The member that holds the prompt: a body without it is no request of this API. */
	String promptMember() {
		return this.promptMember;
	}

	/** The members that limit the output, in the order they are read. */
	List<String> maxTokensMembers() {
		return this.maxTokensMembers;
	}

	/**
	 * The member written when the body sets no limit. OpenAI's chat completions take
	 * {@code max_completion_tokens}: {@code max_tokens} is deprecated there and refused by its
	 * reasoning models; a body that uses {@code max_tokens} keeps it.
	 */
	String addedMaxTokensMember() {
		return this.addedMaxTokensMember;
	}

	/** Whether the output tokens are billed per choice ({@code n}). */
	boolean hasChoices() {
		return this == CHAT_COMPLETIONS;
	}

	/** Whether images and tools are billed by Anthropic's rules. */
	boolean isAnthropic() {
		return this == MESSAGES;
	}

	/**
	 * The API a path belongs to.
	 * @param relativePath the request's path after the base URL's, query and fragment included or
	 * not
	 * @return the API, or {@code null} for any other path
	 */
	static ChatApi ofPath(String relativePath) {
		String path = relativePath;
		int end = indexOfAny(path, "?#");
		if (end >= 0) {
			path = path.substring(0, end);
		}
		while (path.endsWith("/")) {
			path = path.substring(0, path.length() - 1);
		}
		if (path.startsWith("/v1/")) {
			path = path.substring(3);
		}
		for (ChatApi api : values()) {
			if (api.path.equals(path)) {
				return api;
			}
		}
		return null;
	}

	private static int indexOfAny(String text, String characters) {
		for (int i = 0; i < text.length(); i++) {
			if (characters.indexOf(text.charAt(i)) >= 0) {
				return i;
			}
		}
		return -1;
	}

}

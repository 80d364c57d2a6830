package dev.llmguard.annotation;

import java.util.ArrayList;
import java.util.List;

import org.springframework.util.ClassUtils;

/**
 * Finds the prompt in the arguments of a {@link RateLimitedLlm} method, so the guard can estimate
 * its input tokens when {@link RateLimitedLlm#estimatedTokens()} is not set. The text is only
 * tokenized, never logged.
 */
public interface PromptTextExtractor {

	/**
	 * @param argument a method argument, never {@code null}
	 * @return the prompt text it carries, or {@code null} when it is not a prompt
	 */
	String text(Object argument);

	/**
	 * @param argument a method argument, never {@code null}
	 * @return the output allowance the argument asks for (a request's max tokens), or {@code null}
	 */
	default Integer maxOutputTokens(Object argument) {
		return null;
	}

	/** Reads {@link CharSequence} arguments. */
	PromptTextExtractor CHAR_SEQUENCE = argument -> (argument instanceof CharSequence text) ? text.toString() : null;

	/**
	 * The extractors that fit the class path: {@link CharSequence} arguments and, when Spring AI is
	 * present, its {@code Prompt}, {@code Message} and lists of messages.
	 * @param classLoader the class loader to look for Spring AI in
	 * @return the extractors, in the order they are asked
	 */
	static List<PromptTextExtractor> defaults(ClassLoader classLoader) {
		List<PromptTextExtractor> extractors = new ArrayList<>(2);
		extractors.add(CHAR_SEQUENCE);
		if (SpringAiSupport.isPresent(classLoader)) {
			extractors.add(SpringAiSupport.promptTextExtractor());
		}
		return List.copyOf(extractors);
	}

}

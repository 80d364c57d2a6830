package dev.llmguard.core;

import dev.llmguard.core.model.Usage;

/** Reads the usage a provider reported from a call's result (a Spring AI {@code ChatResponse}, a JSON body, …). */
@FunctionalInterface
public interface UsageExtractor {

	/**
	 * @param result what the guarded operation returned, never {@code null}
	 * @return the usage, or {@code null} when this extractor does not know the result or it has no usage
	 */
	Usage extract(Object result);

}

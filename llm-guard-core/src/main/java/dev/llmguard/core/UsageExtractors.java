package dev.llmguard.core;

import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.llmguard.core.model.Usage;

/** The usage extractors of an engine asked in order; one that fails on a malformed response is skipped. */
final class UsageExtractors implements UsageExtractor {

	private static final Logger logger = LoggerFactory.getLogger(UsageExtractors.class);

	private final List<UsageExtractor> extractors;

	UsageExtractors(List<? extends UsageExtractor> extractors) {
		this.extractors = List.copyOf(extractors);
	}

	@Override
	public Usage extract(Object result) {
		for (UsageExtractor extractor : this.extractors) {
			try {
				Usage usage = extractor.extract(result);
				if (usage != null) {
					return usage;
				}
			}
			catch (RuntimeException ex) {
				// a malformed response must not lose a successful call: settle with the estimate instead
				logger.debug("llm-guard usage extractor {} failed", extractor.getClass().getName(), ex);
			}
		}
		return null;
	}

}

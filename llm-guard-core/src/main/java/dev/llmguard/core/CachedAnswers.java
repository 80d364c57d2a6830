package dev.llmguard.core;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.llmguard.core.cache.AnswerCache;
import dev.llmguard.core.config.ChainSpec;

/**
 * The chains' caches of last answers as one call sees them: the key of a call, what it keeps after a
 * success, what it finds when every model failed. A key is a SHA-256 digest of the chain, the tenant
 * (unless the chain shares answers across tenants) and the caller's key or else the prompt, so the
 * cache holds answers and digests, never prompts. A failing cache never fails a call.
 */
final class CachedAnswers {

	private static final Logger logger = LoggerFactory.getLogger(CachedAnswers.class);

	private final AnswerCache cache;

	private final List<AnswerExtractor> extractors;

	CachedAnswers(AnswerCache cache, List<? extends AnswerExtractor> extractors) {
		this.cache = cache;
		this.extractors = List.copyOf(extractors);
	}

	/**
	 * The key of a call's answer in its chain's cache.
	 * @param key the caller's own key, or {@code null} for the prompt's
	 * @param prompt the prompt's text (or a digest of its messages), or {@code null}
	 * @return the digest, or {@code null} when the chain keeps no answers or nothing identifies the call
	 */
	String keyOf(ChainSpec chain, String tenant, String key, String prompt) {
		if (chain == null || chain.cache() == null || (key == null && prompt == null)) {
			return null;
		}
		String who = chain.cache().shareAcrossTenants() ? "*" : "t:" + ((tenant != null) ? tenant : "");
		String what = (key != null) ? "k:" + key : "p:" + prompt;
		return digest(chain.name() + '\u0000' + who + '\u0000' + what);
	}

	/** Keeps the answer of a result for its key, when the result holds a text answer. */
	void remember(ChainSpec chain, String key, Object result) {
		if (key == null || result == null) {
			return;
		}
		String answer = answerOf(result);
		if (answer == null || answer.isBlank()) {
			return;
		}
		try {
			this.cache.put(chain, key, answer);
		}
		catch (RuntimeException ex) {
			logger.debug("llm-guard: the answer of a call on chain '{}' could not be cached", chain.name(), ex);
		}
	}

	/** The last answer kept for a key, or {@code null}. */
	String recall(ChainSpec chain, String key) {
		if (key == null) {
			return null;
		}
		try {
			return this.cache.get(chain, key);
		}
		catch (RuntimeException ex) {
			logger.debug("llm-guard: the cache of chain '{}' could not be read", chain.name(), ex);
			return null;
		}
	}

	private String answerOf(Object result) {
		if (result instanceof CharSequence text) {
			return text.toString();
		}
		for (AnswerExtractor extractor : this.extractors) {
			try {
				String answer = extractor.answer(result);
				if (answer != null) {
					return answer;
				}
			}
			catch (RuntimeException ex) {
				logger.debug("llm-guard answer extractor {} failed", extractor.getClass().getName(), ex);
			}
		}
		return null;
	}

	/** A SHA-256 digest of a text, in hexadecimal. */
	static String digest(String text) {
		try {
			return HexFormat.of()
				.formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException("every Java platform has SHA-256", ex);
		}
	}

}

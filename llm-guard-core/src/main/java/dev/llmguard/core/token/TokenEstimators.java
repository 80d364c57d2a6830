package dev.llmguard.core.token;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Chooses the token estimator that fits the class path. */
public final class TokenEstimators {

	private static final Logger logger = LoggerFactory.getLogger(TokenEstimators.class);

	private TokenEstimators() {
	}

	/**
	 * The best estimator available: jtokkit's {@code o200k_base} encoding when jtokkit is on the
	 * class path (it comes with Spring AI), else one token per four characters.
	 * @param classLoader the class loader to look for jtokkit in, or {@code null} for this class's
	 * @return the estimator
	 */
	public static TokenEstimator best(ClassLoader classLoader) {
		ClassLoader loader = (classLoader != null) ? classLoader : TokenEstimators.class.getClassLoader();
		// checked here rather than through JtokkitTokenEstimator, which is not even loaded without jtokkit
		if (isPresent("com.knuddels.jtokkit.Encodings", loader)) {
			logger.debug("Estimating tokens with jtokkit (o200k_base)");
			return new JtokkitTokenEstimator();
		}
		logger.debug("jtokkit is not on the class path: estimating one token per four characters");
		return new CharsTokenEstimator();
	}

	/**
	 * The tokens a chat API adds around the text of its messages: OpenAI bills 3 per message, its role
	 * (one token for {@code system}, {@code user}, {@code assistant} or {@code tool}) and 3 that prime the
	 * reply (Anthropic's framing is of the same size), so an estimate of the text alone falls a few
	 * tokens short of what the provider counts. Added to chat estimates so that a reservation covers
	 * what the call is billed.
	 * @param messages the messages of the request (a separate system prompt counts as one)
	 * @return the framing tokens, {@code 0} for no messages
	 */
	public static long chatFraming(int messages) {
		return (messages > 0) ? 4L * messages + 3 : 0;
	}

	private static boolean isPresent(String className, ClassLoader loader) {
		try {
			Class.forName(className, false, loader);
			return true;
		}
		catch (ClassNotFoundException | LinkageError ex) {
			return false;
		}
	}

}

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

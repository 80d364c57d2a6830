package dev.llmguard.core.retry;

/**
 * Recognises provider failures of one client library. Register more as beans to teach the guard
 * about other clients; the first classifier that answers wins.
 */
@FunctionalInterface
public interface ErrorClassifier {

	/**
	 * @param error the failure (causes are walked by the caller)
	 * @return the classification, or {@code null} when this classifier does not know the error
	 */
	ErrorClassification classify(Throwable error);

}

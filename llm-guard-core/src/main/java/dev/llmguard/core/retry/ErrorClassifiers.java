package dev.llmguard.core.retry;

import java.util.ArrayList;
import java.util.List;

/**
 * The classifiers of an engine asked in order, for an error and then each of its causes, with
 * {@link DefaultErrorClassifier} last; an error nobody recognises is not retryable.
 */
public final class ErrorClassifiers implements ErrorClassifier {

	private final List<ErrorClassifier> classifiers;

	/** @param classifiers client-specific classifiers, asked before the default one */
	public ErrorClassifiers(List<? extends ErrorClassifier> classifiers) {
		List<ErrorClassifier> all = new ArrayList<>(classifiers);
		all.add(new DefaultErrorClassifier());
		this.classifiers = List.copyOf(all);
	}

	/** @return the classification, never {@code null} */
	@Override
	public ErrorClassification classify(Throwable error) {
		for (Throwable t = error; t != null; t = (t.getCause() != t) ? t.getCause() : null) {
			for (ErrorClassifier classifier : this.classifiers) {
				ErrorClassification c = classifier.classify(t);
				if (c != null) {
					return c;
				}
			}
		}
		return ErrorClassification.of(FailureKind.NON_RETRYABLE, null, error.getClass().getSimpleName());
	}

}

package dev.llmguard.springai;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.llmguard.core.retry.ErrorClassification;
import dev.llmguard.core.retry.ErrorClassifier;
import dev.llmguard.core.retry.FailureKind;
import dev.llmguard.core.retry.HttpStatusClassification;

/**
 * Classifies Spring AI's {@code TransientAiException} and {@code NonTransientAiException} by class
 * name (they live in {@code spring-ai-retry}, which is optional) and the HTTP status their messages
 * carry.
 */
public final class SpringAiErrorClassifier implements ErrorClassifier {

	private static final String TRANSIENT = "org.springframework.ai.retry.TransientAiException";

	private static final String NON_TRANSIENT = "org.springframework.ai.retry.NonTransientAiException";

	private static final Pattern STATUS = Pattern.compile("\\b([45]\\d\\d)\\b");

	@Override
	public ErrorClassification classify(Throwable error) {
		boolean transientError = isA(error, TRANSIENT);
		if (!transientError && !isA(error, NON_TRANSIENT)) {
			return null;
		}
		String message = (error.getMessage() != null) ? error.getMessage() : "";
		Matcher m = STATUS.matcher(message);
		if (m.find()) {
			ErrorClassification byStatus = HttpStatusClassification.classify(Integer.parseInt(m.group(1)), message, null);
			if (!transientError || byStatus.kind().isRetryable()) {
				return byStatus;
			}
		}
		return ErrorClassification.of(transientError ? FailureKind.TRANSIENT : FailureKind.NON_RETRYABLE, null,
				error.getClass().getSimpleName());
	}

	private static boolean isA(Throwable error, String className) {
		for (Class<?> c = error.getClass(); c != null; c = c.getSuperclass()) {
			if (c.getName().equals(className)) {
				return true;
			}
		}
		return false;
	}

}

package dev.llmguard.springai;

import com.google.genai.errors.ApiException;
import com.google.genai.errors.GenAiIOException;

import dev.llmguard.core.retry.DefaultErrorClassifier;
import dev.llmguard.core.retry.ErrorClassification;
import dev.llmguard.core.retry.ErrorClassifier;
import dev.llmguard.core.retry.FailureKind;
import dev.llmguard.core.retry.HttpStatusClassification;

/**
 * Classifies the Google GenAI SDK's exceptions ({@code com.google.genai.errors.*}), which Spring AI's
 * Google GenAI (Gemini) model throws. The SDK keeps no headers; its message carries the error's
 * details, where Gemini names the quota that was hit (a per-day quota or a quota of 0 is spent) and
 * the delay it asks for ({@code RetryInfo.retryDelay}).
 */
public final class GoogleGenAiErrorClassifier implements ErrorClassifier {

	@Override
	public ErrorClassification classify(Throwable error) {
		if (error instanceof ApiException ex) {
			return HttpStatusClassification.classify(ex.code(), ex.status() + " " + ex.getMessage(), null);
		}
		if (error instanceof GenAiIOException) {
			ErrorClassification cause = (error.getCause() != null) ? DefaultErrorClassifier.connection(error.getCause())
					: null;
			return (cause != null) ? cause : new ErrorClassification(FailureKind.TRANSIENT, null, null,
					"connection: GenAiIOException (outcome unknown)", true);
		}
		return null;
	}

}

package dev.llmguard.springai;

import java.time.Clock;
import java.util.List;
import java.util.Objects;

import com.openai.errors.OpenAIIoException;
import com.openai.errors.OpenAIServiceException;

import dev.llmguard.core.retry.DefaultErrorClassifier;
import dev.llmguard.core.retry.ErrorClassification;
import dev.llmguard.core.retry.ErrorClassifier;
import dev.llmguard.core.retry.FailureKind;
import dev.llmguard.core.retry.HttpStatusClassification;
import dev.llmguard.core.retry.RateLimitHeaders;

/**
 * Classifies the official OpenAI Java SDK's exceptions ({@code com.openai.errors.*}), which Spring
 * AI's OpenAI model throws: status, error code or type (quota, context length) and rate-limit
 * headers.
 */
public final class OpenAiSdkErrorClassifier implements ErrorClassifier {

	private final Clock clock;

	/** A classifier that reads the dates of {@code Retry-After} and reset headers against the system clock. */
	public OpenAiSdkErrorClassifier() {
		this(Clock.systemUTC());
	}

	/** @param clock the clock the dates of {@code Retry-After} and reset headers are read against */
	public OpenAiSdkErrorClassifier(Clock clock) {
		this.clock = Objects.requireNonNull(clock, "clock");
	}

	@Override
	public ErrorClassification classify(Throwable error) {
		if (error instanceof OpenAIServiceException ex) {
			String text = ex.code().orElse("") + " " + ex.type().orElse("") + " " + ex.getMessage();
			var retryAfter = RateLimitHeaders.retryAfter(name -> first(ex.headers().values(name)), this.clock.instant());
			return HttpStatusClassification.classify(ex.statusCode(), text, retryAfter);
		}
		if (error instanceof OpenAIIoException) {
			// the SDK wraps the connection failure: whether the request left is told by the cause
			ErrorClassification cause = (error.getCause() != null) ? DefaultErrorClassifier.connection(error.getCause())
					: null;
			return (cause != null) ? cause : new ErrorClassification(FailureKind.TRANSIENT, null, null,
					"connection: OpenAIIoException (outcome unknown)", true);
		}
		return null;
	}

	private static String first(List<String> values) {
		return (values == null || values.isEmpty()) ? null : values.get(0);
	}

}

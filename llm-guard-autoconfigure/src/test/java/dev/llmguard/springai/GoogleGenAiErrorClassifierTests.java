package dev.llmguard.springai;

import java.io.IOException;
import java.net.ConnectException;
import java.time.Duration;

import com.google.genai.errors.ClientException;
import com.google.genai.errors.GenAiIOException;
import com.google.genai.errors.ServerException;
import org.junit.jupiter.api.Test;

import dev.llmguard.core.retry.ErrorClassification;
import dev.llmguard.core.retry.FailureKind;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Google GenAI SDK's exceptions as it builds them from Gemini's answers: the error's message,
 * then its details one per line.
 */
class GoogleGenAiErrorClassifierTests {

	private final GoogleGenAiErrorClassifier classifier = new GoogleGenAiErrorClassifier();

	private static final String QUOTA_MESSAGE = "You exceeded your current quota, please check your plan and billing "
			+ "details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.";

	private static ClientException resourceExhausted(String details) {
		return new ClientException(429, "RESOURCE_EXHAUSTED", QUOTA_MESSAGE + "\nDetails: " + details);
	}

	@Test
	void aPerMinuteQuotaIsARateLimitWithGooglesRetryDelay() {
		ErrorClassification classification = this.classifier.classify(resourceExhausted("""
				{"@type":"type.googleapis.com/google.rpc.QuotaFailure","violations":[{"quotaId":\
				"GenerateContentPaidTierInputTokensPerModelPerMinute","quotaValue":"2000000"}]}
				{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"37s"}"""));

		assertThat(classification.kind()).isEqualTo(FailureKind.RATE_LIMITED);
		assertThat(classification.retryAfter()).isEqualTo(Duration.ofSeconds(37));
	}

	@Test
	void aDailyOrZeroQuotaIsSpentAndNeverRetried() {
		ErrorClassification daily = this.classifier.classify(resourceExhausted("""
				{"@type":"type.googleapis.com/google.rpc.QuotaFailure","violations":[{"quotaId":\
				"GenerateRequestsPerDayPerProjectPerModel-FreeTier","quotaValue":"250"}]}
				{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"19s"}"""));
		ErrorClassification zero = this.classifier.classify(new ClientException(429, "RESOURCE_EXHAUSTED",
				QUOTA_MESSAGE + "\n* Quota exceeded for metric: generate_content_free_tier_input_token_count, limit: 0, "
						+ "model: gemini-2.5-pro"));

		assertThat(daily.kind()).isEqualTo(FailureKind.QUOTA_EXHAUSTED);
		assertThat(zero.kind()).isEqualTo(FailureKind.QUOTA_EXHAUSTED);
		assertThat(daily.kind().isRetryable()).isFalse();
	}

	@Test
	void serverErrorsAreRetryableAndClientErrorsAreFinalButForAnOverlongPrompt() {
		assertThat(this.classifier.classify(new ServerException(503, "UNAVAILABLE", "The model is overloaded.")).kind())
			.isEqualTo(FailureKind.OVERLOADED);
		assertThat(this.classifier.classify(new ServerException(500, "INTERNAL", "Internal error")).kind())
			.isEqualTo(FailureKind.TRANSIENT);
		assertThat(this.classifier.classify(new ClientException(400, "INVALID_ARGUMENT",
				"The input token count (1048677) exceeds the maximum number of tokens allowed (1048576).")).kind())
			.isEqualTo(FailureKind.CONTEXT_LENGTH);
		assertThat(this.classifier.classify(new ClientException(403, "PERMISSION_DENIED", "API key not valid")).kind())
			.isEqualTo(FailureKind.NON_RETRYABLE);
	}

	@Test
	void connectionFailuresAreTransient() {
		assertThat(this.classifier.classify(new GenAiIOException("Failed to execute", new ConnectException("refused")))
			.outcomeUnknown()).isFalse();
		assertThat(this.classifier.classify(new GenAiIOException("Failed to execute", new IOException("stream reset")))
			.kind()).isEqualTo(FailureKind.TRANSIENT);
		assertThat(this.classifier.classify(new IllegalStateException("other"))).isNull();
	}

}

package dev.llmguard.core.retry;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.llmguard.test.provider.ProviderErrorBodies;

import static org.assertj.core.api.Assertions.assertThat;

class HttpStatusClassificationTests {

	private static ErrorClassification classify429(String body) {
		return HttpStatusClassification.classify(429, body, null);
	}

	@Test
	void geminisPerMinuteQuotaIsARateLimitRetriedAfterItsRetryDelay() {
		ErrorClassification classification = classify429(ProviderErrorBodies.GEMINI_PER_MINUTE);

		assertThat(classification.kind()).isEqualTo(FailureKind.RATE_LIMITED);
		assertThat(classification.kind().isRetryable()).isTrue();
		assertThat(classification.retryAfter()).isEqualTo(Duration.ofSeconds(37));
	}

	@Test
	void geminisRequestsPerMinuteAndSharedCapacityAreRateLimits() {
		assertThat(classify429(ProviderErrorBodies.GEMINI_REQUESTS_PER_MINUTE).kind())
			.isEqualTo(FailureKind.RATE_LIMITED);
		assertThat(classify429(ProviderErrorBodies.GEMINI_RESOURCE_EXHAUSTED).kind())
			.isEqualTo(FailureKind.RATE_LIMITED);
	}

	@Test
	void openAisRequestsPerDayLimitPointingToBillingIsARateLimit() {
		assertThat(classify429(ProviderErrorBodies.OPENAI_REQUESTS_PER_DAY).kind()).isEqualTo(FailureKind.RATE_LIMITED);
		assertThat(classify429(ProviderErrorBodies.ANTHROPIC_RATE_LIMIT).kind()).isEqualTo(FailureKind.RATE_LIMITED);
	}

	@ParameterizedTest
	@ValueSource(strings = { ProviderErrorBodies.OPENAI_INSUFFICIENT_QUOTA, ProviderErrorBodies.OPENAI_BILLING_HARD_LIMIT,
			ProviderErrorBodies.GEMINI_PER_DAY, ProviderErrorBodies.GEMINI_LIMIT_ZERO })
	void explicitlySpentQuotasAreExhausted(String body) {
		ErrorClassification classification = classify429(body);

		assertThat(classification.kind()).isEqualTo(FailureKind.QUOTA_EXHAUSTED);
		assertThat(classification.kind().isRetryable()).isFalse();
		assertThat(classification.kind().allowsFailover()).isTrue();
	}

	@Test
	void codesAloneAsTheOpenAiSdkReportsThemAreRead() {
		assertThat(classify429("insufficient_quota insufficient_quota You exceeded your current quota").kind())
			.isEqualTo(FailureKind.QUOTA_EXHAUSTED);
		assertThat(classify429("rate_limit_exceeded requests You exceeded your current quota").kind())
			.isEqualTo(FailureKind.RATE_LIMITED);
	}

	@Test
	void aRetryAfterHeaderWinsOverTheBodysDelayAndFractionsAreKept() {
		assertThat(HttpStatusClassification.classify(429, ProviderErrorBodies.GEMINI_PER_MINUTE, Duration.ofSeconds(5))
			.retryAfter()).isEqualTo(Duration.ofSeconds(5));
		assertThat(classify429("{\"retryDelay\": \"1.5s\"}").retryAfter()).isEqualTo(Duration.ofMillis(1500));
		assertThat(classify429("{\"retryDelay\": \"soon\"}").retryAfter()).isNull();
	}

	@Test
	void aSpentCreditBalanceAnsweredWithoutA429IsAnExhaustedQuota() {
		assertThat(HttpStatusClassification.classify(400, ProviderErrorBodies.ANTHROPIC_CREDIT_BALANCE, null).kind())
			.isEqualTo(FailureKind.QUOTA_EXHAUSTED);
		assertThat(HttpStatusClassification.classify(400, ProviderErrorBodies.ANTHROPIC_USAGE_LIMIT, null).kind())
			.isEqualTo(FailureKind.QUOTA_EXHAUSTED);
		assertThat(HttpStatusClassification.classify(402, "billing_error", null).kind())
			.isEqualTo(FailureKind.QUOTA_EXHAUSTED);
		// numbers alone do not say so outside a 429
		assertThat(HttpStatusClassification.classify(400, "max_tokens: limit: 0", null).kind())
			.isEqualTo(FailureKind.NON_RETRYABLE);
	}

}

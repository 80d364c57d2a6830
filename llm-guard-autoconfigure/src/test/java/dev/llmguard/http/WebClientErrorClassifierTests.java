package dev.llmguard.http;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import org.junit.jupiter.api.Test;

import org.springframework.http.HttpHeaders;
import org.springframework.web.reactive.function.client.WebClientResponseException;

import dev.llmguard.core.retry.FailureKind;

import static org.assertj.core.api.Assertions.assertThat;

/** Errors of WebClient-based clients (Spring AI's Ollama model streams through one) are read like HTTP answers. */
class WebClientErrorClassifierTests {

	private final WebClientErrorClassifier classifier = new WebClientErrorClassifier();

	private static WebClientResponseException answer(int status, String body, String retryAfter) {
		HttpHeaders headers = new HttpHeaders();
		if (retryAfter != null) {
			headers.set("Retry-After", retryAfter);
		}
		return WebClientResponseException.create(status, "status " + status, headers,
				body.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
	}

	@Test
	void aRateLimitIsRetriedAfterTheDelayTheProviderAsksFor() {
		var classification = this.classifier.classify(answer(429, "{\"error\":\"too many requests\"}", "7"));

		assertThat(classification.kind()).isEqualTo(FailureKind.RATE_LIMITED);
		assertThat(classification.retryAfter()).isEqualTo(Duration.ofSeconds(7));
	}

	@Test
	void aRetryAfterDateIsReadAgainstTheClassifiersClock() {
		Instant now = Instant.parse("2026-03-02T10:00:00Z");
		var classifier = new WebClientErrorClassifier(Clock.fixed(now, ZoneOffset.UTC));

		var classification = classifier.classify(answer(429, "{}", "Mon, 02 Mar 2026 10:00:42 GMT"));

		assertThat(classification.retryAfter()).isEqualTo(Duration.ofSeconds(42));
	}

	@Test
	void aServerErrorIsTransientAndABadRequestIsNot() {
		assertThat(this.classifier.classify(answer(503, "", null)).kind().isRetryable()).isTrue();
		assertThat(this.classifier.classify(answer(400, "{\"error\":\"bad\"}", null)).kind().isRetryable()).isFalse();
	}

	@Test
	void otherErrorsAreLeftToTheOtherClassifiers() {
		assertThat(this.classifier.classify(new IllegalStateException("no"))).isNull();
	}

}

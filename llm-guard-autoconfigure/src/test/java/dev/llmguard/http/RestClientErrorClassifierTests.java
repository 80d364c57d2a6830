package dev.llmguard.http;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import org.junit.jupiter.api.Test;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.web.client.HttpClientErrorException;

import dev.llmguard.core.retry.FailureKind;

import static org.assertj.core.api.Assertions.assertThat;

/** RestClient's errors carry the provider's own times: read against the classifier's clock, never the machine's. */
class RestClientErrorClassifierTests {

	private static final Instant NOW = Instant.parse("2026-03-02T10:00:00Z");

	private final RestClientErrorClassifier classifier = new RestClientErrorClassifier(Clock.fixed(NOW, ZoneOffset.UTC));

	@Test
	void aRetryAfterDateIsReadAgainstTheClassifiersClock() {
		HttpHeaders headers = new HttpHeaders();
		headers.set("Retry-After", "Mon, 02 Mar 2026 10:00:42 GMT");
		var error = HttpClientErrorException.create(HttpStatus.TOO_MANY_REQUESTS, "Too Many Requests", headers,
				"{}".getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);

		var classification = this.classifier.classify(error);

		assertThat(classification.kind()).isEqualTo(FailureKind.RATE_LIMITED);
		assertThat(classification.retryAfter()).isEqualTo(Duration.ofSeconds(42));
	}

}

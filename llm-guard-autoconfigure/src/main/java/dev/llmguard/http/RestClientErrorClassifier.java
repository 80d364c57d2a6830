package dev.llmguard.http;

import java.time.Clock;
import java.util.Objects;

import org.springframework.web.client.RestClientResponseException;

import dev.llmguard.core.retry.ErrorClassification;
import dev.llmguard.core.retry.ErrorClassifier;
import dev.llmguard.core.retry.HttpStatusClassification;
import dev.llmguard.core.retry.RateLimitHeaders;

/**
 * Classifies Spring's {@link RestClientResponseException} (RestClient, RestTemplate) by status, error
 * body markers and rate-limit headers. Connection failures ({@code ResourceAccessException}) are
 * classified by their {@code IOException} cause.
 */
public final class RestClientErrorClassifier implements ErrorClassifier {

	private final Clock clock;

	/** A classifier that reads the dates of {@code Retry-After} and reset headers against the system clock. */
	public RestClientErrorClassifier() {
		this(Clock.systemUTC());
	}

	/** @param clock the clock the dates of {@code Retry-After} and reset headers are read against */
	public RestClientErrorClassifier(Clock clock) {
		this.clock = Objects.requireNonNull(clock, "clock");
	}

	@Override
	public ErrorClassification classify(Throwable error) {
		if (!(error instanceof RestClientResponseException ex)) {
			return null;
		}
		var headers = ex.getResponseHeaders();
		var retryAfter = (headers != null) ? RateLimitHeaders.retryAfter(headers::getFirst, this.clock.instant()) : null;
		return HttpStatusClassification.classify(ex.getStatusCode().value(), ex.getResponseBodyAsString(),
				retryAfter);
	}

}

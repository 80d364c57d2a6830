package dev.llmguard.http;

import java.time.Instant;

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

	@Override
	public ErrorClassification classify(Throwable error) {
		if (!(error instanceof RestClientResponseException ex)) {
			return null;
		}
		var headers = ex.getResponseHeaders();
		var retryAfter = (headers != null) ? RateLimitHeaders.retryAfter(headers::getFirst, Instant.now()) : null;
		return HttpStatusClassification.classify(ex.getStatusCode().value(), ex.getResponseBodyAsString(),
				retryAfter);
	}

}

package dev.llmguard.http;

import java.time.Instant;

import org.springframework.web.reactive.function.client.WebClientResponseException;

import dev.llmguard.core.retry.ErrorClassification;
import dev.llmguard.core.retry.ErrorClassifier;
import dev.llmguard.core.retry.HttpStatusClassification;
import dev.llmguard.core.retry.RateLimitHeaders;

/**
 * Classifies Spring's {@link WebClientResponseException} by status, error body markers and rate-limit
 * headers: the error of clients built on WebClient, such as Spring AI's Ollama model when it streams.
 * Connection failures ({@code WebClientRequestException}) are classified by their {@code IOException}
 * cause.
 */
public final class WebClientErrorClassifier implements ErrorClassifier {

	@Override
	public ErrorClassification classify(Throwable error) {
		if (!(error instanceof WebClientResponseException ex)) {
			return null;
		}
		var retryAfter = RateLimitHeaders.retryAfter(ex.getHeaders()::getFirst, Instant.now());
		return HttpStatusClassification.classify(ex.getStatusCode().value(), ex.getResponseBodyAsString(),
				retryAfter);
	}

}

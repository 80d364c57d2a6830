package dev.llmguard.http;

import java.time.Clock;
import java.util.Objects;

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

	private final Clock clock;

	/** A classifier that reads the dates of {@code Retry-After} and reset headers against the system clock. */
	public WebClientErrorClassifier() {
		this(Clock.systemUTC());
	}

	/** @param clock the clock the dates of {@code Retry-After} and reset headers are read against */
	public WebClientErrorClassifier(Clock clock) {
		this.clock = Objects.requireNonNull(clock, "clock");
	}

	@Override
	public ErrorClassification classify(Throwable error) {
		if (!(error instanceof WebClientResponseException ex)) {
			return null;
		}
		var retryAfter = RateLimitHeaders.retryAfter(ex.getHeaders()::getFirst, this.clock.instant());
		return HttpStatusClassification.classify(ex.getStatusCode().value(), ex.getResponseBodyAsString(),
				retryAfter);
	}

}

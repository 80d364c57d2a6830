package dev.llmguard.springai;

import java.time.Clock;
import java.util.List;
import java.util.Objects;

import com.anthropic.errors.AnthropicIoException;
import com.anthropic.errors.AnthropicServiceException;
import com.anthropic.errors.SseException;
import com.anthropic.models.ErrorType;

import dev.llmguard.core.retry.DefaultErrorClassifier;
import dev.llmguard.core.retry.ErrorClassification;
import dev.llmguard.core.retry.ErrorClassifier;
import dev.llmguard.core.retry.FailureKind;
import dev.llmguard.core.retry.HttpStatusClassification;
import dev.llmguard.core.retry.RateLimitHeaders;

/**
 * Classifies the official Anthropic Java SDK's exceptions ({@code com.anthropic.errors.*}), which
 * Spring AI's Anthropic model throws: {@code RateLimitException} (429), {@code InternalServerException}
 * (500 to 599, 529 when overloaded), the 4xx ones, and errors sent inside a stream. The status, the
 * error type and message of the body (a spent credit balance, a prompt too long) and the
 * {@code retry-after} and {@code anthropic-ratelimit-*} headers decide.
 */
public final class AnthropicSdkErrorClassifier implements ErrorClassifier {

	private final Clock clock;

	/** A classifier that reads rate-limit resets against the system clock. */
	public AnthropicSdkErrorClassifier() {
		this(Clock.systemUTC());
	}

	/** @param clock the clock the RFC 3339 instants of the {@code anthropic-ratelimit-*-reset} headers are read against */
	public AnthropicSdkErrorClassifier(Clock clock) {
		this.clock = Objects.requireNonNull(clock, "clock");
	}

	@Override
	public ErrorClassification classify(Throwable error) {
		if (error instanceof AnthropicServiceException ex) {
			String type = ex.errorType().map(ErrorType::asString).orElse("");
			var retryAfter = RateLimitHeaders.retryAfter((name) -> first(ex.headers().values(name)),
					this.clock.instant());
			return HttpStatusClassification.classify(status(ex, type), type + " " + ex.getMessage(), retryAfter);
		}
		if (error instanceof AnthropicIoException) {
			// the SDK wraps the connection failure: whether the request left is told by the cause
			ErrorClassification cause = (error.getCause() != null) ? DefaultErrorClassifier.connection(error.getCause())
					: null;
			return (cause != null) ? cause : new ErrorClassification(FailureKind.TRANSIENT, null, null,
					"connection: AnthropicIoException (outcome unknown)", true);
		}
		return null;
	}

	/**
	 * The status the error stands for: an error event inside a stream arrives with the stream's 200,
	 * so its type tells what Anthropic would have answered.
	 */
	private static int status(AnthropicServiceException ex, String type) {
		int status = ex.statusCode();
		if (!(ex instanceof SseException) && status >= 400) {
			return status;
		}
		return switch (type) {
			case "invalid_request_error" -> 400;
			case "authentication_error" -> 401;
			case "billing_error" -> 402;
			case "permission_error" -> 403;
			case "not_found_error" -> 404;
			case "request_too_large" -> 413;
			case "rate_limit_error" -> 429;
			case "api_error" -> 500;
			case "timeout_error" -> 504;
			case "overloaded_error" -> 529;
			default -> (status >= 400) ? status : 500;
		};
	}

	private static String first(List<String> values) {
		return (values == null || values.isEmpty()) ? null : values.get(0);
	}

}

package dev.llmguard.sample.web;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import com.openai.errors.OpenAIServiceException;
import dev.llmguard.core.BudgetExceededException;
import dev.llmguard.core.ContextWindowExceededException;
import dev.llmguard.core.FallbackExhaustedException;
import dev.llmguard.core.LlmGuardException;
import dev.llmguard.core.RateLimitExceededException;
import dev.llmguard.core.ToolLimitExceededException;
import dev.llmguard.core.time.GuardClock;
import dev.llmguard.sample.tools.UnknownToolException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * Every error of the API is {@code application/problem+json} with a machine-readable {@code code}
 * member: the guard's refusals with what the client needs to come back at the right time, and bad
 * input as 400 {@code invalid_request}. Nothing here echoes a prompt or a document.
 */
@RestControllerAdvice
class ApiExceptionHandler extends ResponseEntityExceptionHandler {

	private static final Logger log = LoggerFactory.getLogger(ApiExceptionHandler.class);

	/** What a client is told to wait when a budget never resets (a session cap): a day, then ask again. */
	static final Duration NEVER_RESETS_RETRY_AFTER = Duration.ofDays(1);

	private final GuardClock clock;

	ApiExceptionHandler(GuardClock clock) {
		this.clock = clock;
	}

	@ExceptionHandler(RateLimitExceededException.class)
	ResponseEntity<ProblemDetail> rateLimited(RateLimitExceededException ex) {
		long retryAfter = seconds(ex.getRetryAfter());
		ProblemDetail problem = problem(HttpStatus.TOO_MANY_REQUESTS, ex.code(), "Rate limited",
				"No capacity for this call right now; retry in " + retryAfter + " s.");
		if (ex.getProvider() != null) {
			problem.setProperty("provider", ex.getProvider());
		}
		if (ex.getModel() != null) {
			problem.setProperty("model", ex.getModel());
		}
		if (ex instanceof ToolLimitExceededException tool) {
			problem.setProperty("tool", tool.getTool());
		}
		problem.setProperty("retryAfterSeconds", retryAfter);
		return respond(problem, retryAfter);
	}

	@ExceptionHandler(BudgetExceededException.class)
	ResponseEntity<ProblemDetail> budgetExceeded(BudgetExceededException ex) {
		Instant resetsAt = ex.getResetsAt();
		long retryAfter = (resetsAt != null) ? seconds(Duration.between(this.clock.instant(), resetsAt))
				: NEVER_RESETS_RETRY_AFTER.toSeconds();
		String unit = ex.getUnit();
		ProblemDetail problem = problem(HttpStatus.TOO_MANY_REQUESTS, ex.code(), "Budget exceeded",
				"Budget '" + ex.getBudget() + "' cannot afford this call: " + ex.getSpent().toPlainString() + " of "
						+ ex.getLimit().toPlainString() + " " + unit + " used"
						+ ((resetsAt != null) ? "; it resets at " + resetsAt : "; it does not reset") + ".");
		problem.setProperty("budget", ex.getBudget());
		problem.setProperty("unit", unit);
		problem.setProperty("spent", ex.getSpent());
		problem.setProperty("limit", ex.getLimit());
		problem.setProperty("resetsAt", (resetsAt != null) ? resetsAt.toString() : null);
		problem.setProperty("retryAfterSeconds", retryAfter);
		return respond(problem, retryAfter);
	}

	@ExceptionHandler(FallbackExhaustedException.class)
	ResponseEntity<ProblemDetail> fallbackExhausted(FallbackExhaustedException ex) {
		ProblemDetail problem = problem(HttpStatus.SERVICE_UNAVAILABLE, ex.code(), "Every model failed",
				"No model of chain '" + ex.getChain() + "' could answer.");
		problem.setProperty("chain", ex.getChain());
		problem.setProperty("models", ex.getFailures()
			.stream()
			.map((f) -> Map.of("model", f.model(), "reason", f.reason()))
			.toList());
		return respond(problem, null);
	}

	@ExceptionHandler(ContextWindowExceededException.class)
	ResponseEntity<ProblemDetail> contextWindowExceeded(ContextWindowExceededException ex) {
		ProblemDetail problem = problem(HttpStatus.BAD_REQUEST, ex.code(), "Too long for the model",
				"The call needs " + ex.getRequiredTokens() + " tokens but " + ex.getModel() + " takes "
						+ ex.getContextWindow() + "; shorten the prompt.");
		problem.setProperty("requiredTokens", ex.getRequiredTokens());
		problem.setProperty("contextWindow", ex.getContextWindow());
		return respond(problem, null);
	}

	@ExceptionHandler(LlmGuardException.class)
	ResponseEntity<ProblemDetail> otherGuardRefusal(LlmGuardException ex) {
		return respond(problem(HttpStatus.SERVICE_UNAVAILABLE, ex.code(), "Call refused", ex.getMessage()), null);
	}

	@ExceptionHandler(UnknownToolException.class)
	ResponseEntity<ProblemDetail> unknownTool(UnknownToolException ex) {
		ProblemDetail problem = problem(HttpStatus.NOT_FOUND, "unknown_tool", "Unknown tool",
				"No such tool; known tools are " + ex.getKnown() + ".");
		problem.setProperty("tools", List.copyOf(ex.getKnown()));
		return respond(problem, null);
	}

	/** The provider refused a request the guard let through (a bad key, a request it does not accept). */
	@ExceptionHandler(OpenAIServiceException.class)
	ResponseEntity<ProblemDetail> providerError(OpenAIServiceException ex) {
		log.warn("The provider answered {} to a guarded call", ex.statusCode());
		ProblemDetail problem = problem(HttpStatus.BAD_GATEWAY, "provider_error", "Provider error",
				"The LLM provider answered HTTP " + ex.statusCode() + ".");
		problem.setProperty("providerStatus", ex.statusCode());
		return respond(problem, null);
	}

	@ExceptionHandler(Exception.class)
	ResponseEntity<ProblemDetail> unexpected(Exception ex) {
		log.error("Unexpected error", ex);
		return respond(problem(HttpStatus.INTERNAL_SERVER_ERROR, "internal_error", "Internal error",
				"Something went wrong on our side."), null);
	}

	/** Bean validation of a request body: which fields are wrong and why, never their values. */
	@Override
	protected ResponseEntity<Object> handleMethodArgumentNotValid(MethodArgumentNotValidException ex,
			HttpHeaders headers, HttpStatusCode status, WebRequest request) {
		ProblemDetail problem = problem(HttpStatus.BAD_REQUEST, "invalid_request", "Invalid request",
				"The request body has invalid fields.");
		List<Map<String, String>> errors = ex.getBindingResult()
			.getFieldErrors()
			.stream()
			.map((e) -> Map.of("field", e.getField(), "message", String.valueOf(e.getDefaultMessage())))
			.toList();
		problem.setProperty("errors", errors);
		return handleExceptionInternal(ex, problem, headers, status, request);
	}

	/** Every problem Spring MVC itself reports (malformed JSON, wrong types, no body, 404, 405, 415) gets a code. */
	@Override
	protected ResponseEntity<Object> handleExceptionInternal(Exception ex, Object body, HttpHeaders headers,
			HttpStatusCode statusCode, WebRequest request) {
		ResponseEntity<Object> response = super.handleExceptionInternal(ex, body, headers, statusCode, request);
		if (response == null || !(response.getBody() instanceof ProblemDetail problem)) {
			return response;
		}
		if (problem.getProperties() == null || !problem.getProperties().containsKey("code")) {
			problem.setProperty("code", codeOf(response.getStatusCode()));
		}
		if (ex instanceof HttpMessageNotReadableException) {
			// Jackson's message names classes and may quote the input: say what is wrong in the client's terms
			problem.setDetail("The request body is missing or is not valid JSON of the expected shape.");
		}
		return ResponseEntity.status(response.getStatusCode())
			.headers(response.getHeaders())
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.body(problem);
	}

	private static String codeOf(HttpStatusCode status) {
		return switch (status.value()) {
			case 400 -> "invalid_request";
			case 404 -> "not_found";
			case 405 -> "method_not_allowed";
			case 406 -> "not_acceptable";
			case 413 -> "payload_too_large";
			case 415 -> "unsupported_media_type";
			default -> status.is4xxClientError() ? "invalid_request" : "internal_error";
		};
	}

	private static ProblemDetail problem(HttpStatus status, String code, String title, String detail) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
		problem.setTitle(title);
		problem.setProperty("code", code);
		return problem;
	}

	private static ResponseEntity<ProblemDetail> respond(ProblemDetail problem, Long retryAfterSeconds) {
		ResponseEntity.BodyBuilder response = ResponseEntity.status(problem.getStatus())
			.contentType(MediaType.APPLICATION_PROBLEM_JSON);
		if (retryAfterSeconds != null) {
			response.header(HttpHeaders.RETRY_AFTER, Long.toString(retryAfterSeconds));
		}
		return response.body(problem);
	}

	/** Whole seconds, rounded up, at least one: a client retrying earlier would only be refused again. */
	static long seconds(Duration duration) {
		if (duration == null || duration.isNegative() || duration.isZero()) {
			return 1;
		}
		long seconds = duration.toSeconds() + ((duration.toNanosPart() > 0) ? 1 : 0);
		return Math.max(1, seconds);
	}

}

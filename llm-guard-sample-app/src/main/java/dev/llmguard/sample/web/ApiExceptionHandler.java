package dev.llmguard.sample.web;

import java.util.List;
import java.util.Map;

import com.openai.errors.OpenAIServiceException;
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
 * The sample's own errors as {@code application/problem+json} with a machine-readable {@code code}:
 * an unknown tool, a provider that refused a request, bad input as 400 {@code invalid_request} and
 * anything unexpected as 500 {@code internal_error}.
 * llm-guard's refusals ({@code rate_limited}, {@code budget_exceeded}, {@code fallback_exhausted},
 * ...) need no handler here: llm-guard answers them as problem+json with {@code Retry-After} itself.
 * Nothing here echoes a prompt or a document.
 */
@RestControllerAdvice
class ApiExceptionHandler extends ResponseEntityExceptionHandler {

	private static final Logger log = LoggerFactory.getLogger(ApiExceptionHandler.class);

	@ExceptionHandler(UnknownToolException.class)
	ResponseEntity<ProblemDetail> unknownTool(UnknownToolException ex) {
		ProblemDetail problem = problem(HttpStatus.NOT_FOUND, "unknown_tool", "Unknown tool",
				"No such tool; known tools are " + ex.getKnown() + ".");
		problem.setProperty("tools", List.copyOf(ex.getKnown()));
		return respond(problem);
	}

	/** The provider refused a request the guard let through (a bad key, a request it does not accept). */
	@ExceptionHandler(OpenAIServiceException.class)
	ResponseEntity<ProblemDetail> providerError(OpenAIServiceException ex) {
		log.warn("The provider answered {} to a guarded call", ex.statusCode());
		ProblemDetail problem = problem(HttpStatus.BAD_GATEWAY, "provider_error", "Provider error",
				"The LLM provider answered HTTP " + ex.statusCode() + ".");
		problem.setProperty("providerStatus", ex.statusCode());
		return respond(problem);
	}

	@ExceptionHandler(Exception.class)
	ResponseEntity<ProblemDetail> unexpected(Exception ex) {
		log.error("Unexpected error", ex);
		return respond(problem(HttpStatus.INTERNAL_SERVER_ERROR, "internal_error", "Internal error",
				"Something went wrong on our side."));
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

	private static ResponseEntity<ProblemDetail> respond(ProblemDetail problem) {
		return ResponseEntity.status(problem.getStatus()).contentType(MediaType.APPLICATION_PROBLEM_JSON).body(problem);
	}

}

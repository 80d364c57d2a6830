package dev.llmguard.web;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;

import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationContextAware;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

import dev.llmguard.core.BudgetExceededException;
import dev.llmguard.core.ContextWindowExceededException;
import dev.llmguard.core.FallbackExhaustedException;
import dev.llmguard.core.LlmGuardException;
import dev.llmguard.core.RateLimitExceededException;
import dev.llmguard.core.ToolLimitExceededException;
import dev.llmguard.core.time.GuardClock;

/**
 * Answers every {@link LlmGuardException} that reaches a Spring MVC or WebFlux controller with an
 * {@code application/problem+json} body carrying the exception's {@code code}: 429 with
 * {@code Retry-After} (whole seconds, rounded up) for {@code rate_limited} (tool limits included) and
 * {@code budget_exceeded}, 400 for {@code context_window_exceeded}, 503 for {@code fallback_exhausted},
 * {@code backend_unavailable} and any other refusal. Nothing in it echoes a prompt.
 * <p>
 * An application's own {@code @ExceptionHandler} for these exceptions wins: one in a controller
 * always does (Spring asks the controller first); when an application {@code @ControllerAdvice}
 * declares one for a guard exception type, this handler takes the lowest precedence, behind every
 * advice. Otherwise it runs before the application's advices, so that a catch-all
 * {@code @ExceptionHandler(Exception.class)}, or a handler for a provider's exception (Spring matches
 * an exception's causes too, and {@code fallback_exhausted} carries the provider's last error), does
 * not answer guard refusals as a 500 or a provider error. Switched off by
 * {@code llm.guard.web.problem-details.enabled=false}.
 */
@RestControllerAdvice
public final class LlmGuardExceptionHandler implements Ordered, ApplicationContextAware {

	/** What a client is told to wait when a budget never resets (a session cap): a day, then ask again. */
	static final Duration NEVER_RESETS_RETRY_AFTER = Duration.ofDays(1);

	private final GuardClock clock;

	private ApplicationContext context;

	private volatile Integer order;

	/** @param clock the guard's clock, to count the seconds until a budget resets */
	public LlmGuardExceptionHandler(GuardClock clock) {
		this.clock = Objects.requireNonNull(clock, "clock");
	}

	@Override
	public void setApplicationContext(ApplicationContext context) {
		this.context = context;
	}

	/**
	 * {@link Ordered#LOWEST_PRECEDENCE} when an application advice handles guard exceptions itself,
	 * else {@link Ordered#HIGHEST_PRECEDENCE}; decided once, when Spring first orders the advices.
	 */
	@Override
	public int getOrder() {
		Integer order = this.order;
		if (order == null) {
			boolean applicationHandles = this.context == null || ApplicationGuardHandlers.declared(this.context);
			order = applicationHandles ? Ordered.LOWEST_PRECEDENCE : Ordered.HIGHEST_PRECEDENCE;
			this.order = order;
		}
		return order;
	}

	/**
	 * The problem response for a guard exception.
	 * @param ex what the guard threw
	 * @return the response: status, {@code Retry-After} where the client should come back later, and
	 * the problem with its {@code code}
	 */
	@ExceptionHandler(LlmGuardException.class)
	public ResponseEntity<ProblemDetail> handle(LlmGuardException ex) {
		if (ex instanceof RateLimitExceededException rateLimited) {
			return rateLimited(rateLimited);
		}
		if (ex instanceof BudgetExceededException budget) {
			return budgetExceeded(budget);
		}
		if (ex instanceof FallbackExhaustedException exhausted) {
			return fallbackExhausted(exhausted);
		}
		if (ex instanceof ContextWindowExceededException tooLong) {
			return contextWindowExceeded(tooLong);
		}
		// backend_unavailable (the shared backend is down and fails closed) and any other refusal
		return respond(problem(HttpStatus.SERVICE_UNAVAILABLE, ex.code(), "Call refused", ex.getMessage()), null);
	}

	private ResponseEntity<ProblemDetail> rateLimited(RateLimitExceededException ex) {
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

	private ResponseEntity<ProblemDetail> budgetExceeded(BudgetExceededException ex) {
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

	private static ResponseEntity<ProblemDetail> fallbackExhausted(FallbackExhaustedException ex) {
		ProblemDetail problem = problem(HttpStatus.SERVICE_UNAVAILABLE, ex.code(), "Every model failed",
				"No model of chain '" + ex.getChain() + "' could answer.");
		problem.setProperty("chain", ex.getChain());
		problem.setProperty("models",
				ex.getFailures().stream().map((f) -> Map.of("model", f.model(), "reason", f.reason())).toList());
		return respond(problem, null);
	}

	private static ResponseEntity<ProblemDetail> contextWindowExceeded(ContextWindowExceededException ex) {
		ProblemDetail problem = problem(HttpStatus.BAD_REQUEST, ex.code(), "Too long for the model",
				"The call needs " + ex.getRequiredTokens() + " tokens but " + ex.getModel() + " takes "
						+ ex.getContextWindow() + "; shorten the prompt.");
		problem.setProperty("requiredTokens", ex.getRequiredTokens());
		problem.setProperty("contextWindow", ex.getContextWindow());
		return respond(problem, null);
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
		return duration.toSeconds() + ((duration.toNanosPart() > 0) ? 1 : 0);
	}

}

package dev.llmguard.autoconfigure;

/** HTTP answers of web applications ({@code llm.guard.web.*}). */
public class WebProperties {

	/** Guard exceptions as problem details. */
	private final ProblemDetails problemDetails = new ProblemDetails();

	public ProblemDetails getProblemDetails() {
		return this.problemDetails;
	}

	/** Guard exceptions as {@code application/problem+json} ({@code llm.guard.web.problem-details.*}). */
	public static class ProblemDetails {

		/**
		 * Whether guard exceptions that reach a Spring MVC or WebFlux controller are answered as
		 * application/problem+json with their code: 429 with Retry-After for rate_limited and
		 * budget_exceeded, 503 for fallback_exhausted and backend_unavailable. The application's own
		 * exception handlers take precedence.
		 */
		private boolean enabled = true;

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

	}

}

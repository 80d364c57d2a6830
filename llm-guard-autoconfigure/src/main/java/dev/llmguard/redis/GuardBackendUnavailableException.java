package dev.llmguard.redis;

import dev.llmguard.core.LlmGuardException;

/**
 * The shared backend (Redis) could not be reached and {@code llm.guard.redis.on-failure} is
 * {@code fail-closed}: the guard rejects the call rather than let it through unchecked.
 */
public class GuardBackendUnavailableException extends LlmGuardException {

	private final String operation;

	/**
	 * @param operation what the guard was doing, e.g. {@code budget reserve}
	 * @param message what happened and what to do
	 * @param cause the Redis failure, or {@code null} when Redis is known to be down
	 */
	public GuardBackendUnavailableException(String operation, String message, Throwable cause) {
		super(message, cause);
		this.operation = operation;
	}

	/** What the guard was doing when Redis failed, e.g. {@code budget reserve}. */
	public String getOperation() {
		return this.operation;
	}

	@Override
	public String code() {
		return "backend_unavailable";
	}

}

package dev.llmguard.redis;

/**
 * {@code llm.guard.backend=redis} is set but the application has no Lettuce Redis connection for
 * the guard to use. Start-up stops with this (a failure analyzer can explain it).
 */
public class MissingRedisConnectionException extends IllegalStateException {

	public MissingRedisConnectionException(String message) {
		super(message);
	}

}

package dev.llmguard.redis;

import java.util.Locale;

/** What the guard does while Redis is unreachable ({@code llm.guard.redis.on-failure}). */
public enum RedisFailureMode {

	/** Admit calls as if nothing were limited; count it and warn once per outage. */
	FAIL_OPEN,

	/** Reject calls with {@link GuardBackendUnavailableException}. */
	FAIL_CLOSED;

	/** The property value: {@code fail-open} or {@code fail-closed}. */
	public String value() {
		return name().toLowerCase(Locale.ROOT).replace('_', '-');
	}

	/**
	 * Parses a property value, case-insensitive, with dashes or underscores.
	 * @throws IllegalArgumentException for anything else, naming the property and the choices
	 */
	public static RedisFailureMode of(String value) {
		String normalized = (value != null) ? value.trim().toUpperCase(Locale.ROOT).replace('-', '_') : "";
		for (RedisFailureMode mode : values()) {
			if (mode.name().equals(normalized)) {
				return mode;
			}
		}
		throw new IllegalArgumentException(
				"llm.guard.redis.on-failure must be fail-open or fail-closed, was '" + value + "'");
	}

}

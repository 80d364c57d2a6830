package dev.llmguard.sample.chat;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;

/**
 * The body of {@code POST /api/chat}.
 *
 * @param prompt what to ask, not blank, at most {@value #MAX_PROMPT_CHARS} characters
 * @param tenant tenant the tenant budget counts for, optional
 * @param session session the session budget counts for, optional
 * @param priority 1 (most urgent) to 10, default 5
 */
public record ChatRequest(@NotBlank @Size(max = MAX_PROMPT_CHARS) String prompt, @Size(max = 128) String tenant,
		@Size(max = 128) String session, @Min(1) @Max(10) Integer priority) {

	/** Longest prompt accepted. */
	public static final int MAX_PROMPT_CHARS = 20_000;

	/** Priority of a request that names none. */
	public static final int DEFAULT_PRIORITY = 5;

	int priorityOrDefault() {
		return (this.priority != null) ? this.priority : DEFAULT_PRIORITY;
	}

}

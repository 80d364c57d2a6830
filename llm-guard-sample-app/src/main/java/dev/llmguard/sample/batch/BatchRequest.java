package dev.llmguard.sample.batch;

import java.util.List;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;

/**
 * The body of {@code POST /api/batch/summarize}.
 *
 * @param session the run whose session budget every summary counts against
 * @param documents 1 to {@value #MAX_DOCUMENTS} documents of at most {@value #MAX_DOCUMENT_CHARS} characters
 */
public record BatchRequest(@NotBlank @Size(max = 128) String session,
		@NotNull @Size(min = 1, max = MAX_DOCUMENTS) List<@NotBlank @Size(max = MAX_DOCUMENT_CHARS) String> documents) {

	/** Most documents in one batch. */
	public static final int MAX_DOCUMENTS = 50;

	/** Longest document accepted. */
	public static final int MAX_DOCUMENT_CHARS = 20_000;

}

package dev.llmguard.core.limit;

import java.time.Duration;

import dev.llmguard.core.model.ModelRef;
import dev.llmguard.core.model.Usage;

/**
 * Capacity taken for one call: one request and the demanded tokens from every bucket of the
 * provider and the model, and one concurrency slot. Exactly one of {@link #settle} or
 * {@link #release} gives it back; both are idempotent and safe to call from any thread.
 */
public interface RatePermit {

	ModelRef model();

	/** How long the call waited for this permit. */
	Duration waited();

	/**
	 * The call finished with this usage: unused tokens go back to the token buckets, an excess is
	 * taken as debt, and the concurrency slot is freed.
	 */
	void settle(Usage actual);

	/**
	 * The call failed without using tokens: demanded tokens go back, requests stay counted, and the
	 * concurrency slot is freed.
	 */
	void release();

}

package dev.llmguard.core.limit;

import java.time.Instant;

import dev.llmguard.core.model.ModelRef;

/** Remembers which models are cooling down; in memory or shared. */
public interface CooldownStore {

	/** When the model's cooldown ends, or {@code null} if it is not cooling down at {@code now}. */
	Instant cooldownUntil(ModelRef model, Instant now);

	/** Skips the model until {@code until} (an earlier end never shortens a longer cooldown). */
	void coolDown(ModelRef model, Instant until);

}

package dev.llmguard.core.limit;

import java.time.Instant;

import dev.llmguard.core.model.ModelRef;

/** Remembers which models are cooling down; in memory or shared. */
public interface CooldownStore {

	/** When the model's cooldown ends, or {@code null} if it is not cooling down at {@code now}. */
	Instant cooldownUntil(ModelRef model, Instant now);

	/** Skips the model until {@code until} (an earlier end never shortens a longer cooldown). */
	void coolDown(ModelRef model, Instant until);

	/**
	 * Closes a model whose quota is spent until it resets: every call of it is refused at once, also a
	 * call with no other model to try; chains skip it as they skip a model cooling down.
	 * @param model the model
	 * @param until when its quota resets
	 */
	default void closeForQuota(ModelRef model, Instant until) {
		coolDown(model, until);
	}

	/**
	 * When the spent quota of a model resets ({@link #closeForQuota}), or {@code null} when its quota is
	 * not known to be spent at {@code now}. A store that does not tell quota closures apart answers
	 * {@code null}: its closed models are only skipped in chains, as cooling down.
	 */
	default Instant quotaResetsAt(ModelRef model, Instant now) {
		return null;
	}

}

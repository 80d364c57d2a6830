package dev.llmguard.core.limit;

import java.time.Instant;

import dev.llmguard.core.model.ModelRef;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Cooldowns of this JVM; keys are configured models, so the map is bounded by configuration. */
public final class InMemoryCooldownStore implements CooldownStore {

	private final Map<ModelRef, Instant> until = new ConcurrentHashMap<>();

	/** Models closed because their quota is spent, until it resets. */
	private final Map<ModelRef, Instant> quotaUntil = new ConcurrentHashMap<>();

	@Override
	public Instant cooldownUntil(ModelRef model, Instant now) {
		return current(this.until, model, now);
	}

	@Override
	public void coolDown(ModelRef model, Instant until) {
		this.until.merge(model, until, InMemoryCooldownStore::later);
	}

	@Override
	public void closeForQuota(ModelRef model, Instant until) {
		coolDown(model, until);
		this.quotaUntil.merge(model, until, InMemoryCooldownStore::later);
	}

	@Override
	public Instant quotaResetsAt(ModelRef model, Instant now) {
		return current(this.quotaUntil, model, now);
	}

	private static Instant current(Map<ModelRef, Instant> ends, ModelRef model, Instant now) {
		Instant end = ends.get(model);
		if (end == null) {
			return null;
		}
		if (!end.isAfter(now)) {
			ends.remove(model, end);
			return null;
		}
		return end;
	}

	private static Instant later(Instant a, Instant b) {
		return a.isAfter(b) ? a : b;
	}

}

package dev.llmguard.core.limit;

import java.time.Instant;

import dev.llmguard.core.model.ModelRef;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Cooldowns of this JVM; keys are configured models, so the map is bounded by configuration. */
public final class InMemoryCooldownStore implements CooldownStore {

	private final Map<ModelRef, Instant> until = new ConcurrentHashMap<>();

	@Override
	public Instant cooldownUntil(ModelRef model, Instant now) {
		Instant end = this.until.get(model);
		if (end == null) {
			return null;
		}
		if (!end.isAfter(now)) {
			this.until.remove(model, end);
			return null;
		}
		return end;
	}

	@Override
	public void coolDown(ModelRef model, Instant until) {
		this.until.merge(model, until, (a, b) -> a.isAfter(b) ? a : b);
	}

}

package dev.llmguard.core.config;

import java.util.Map;
import java.util.Objects;

import dev.llmguard.core.model.ModelRef;

/**
 * The circuit breakers of the models: one policy for every model, and models that set their own.
 *
 * @param defaults the policy of a model that sets none
 * @param models the models' own policies
 */
public record BreakerSettings(BreakerPolicy defaults, Map<ModelRef, BreakerPolicy> models) {

	/** {@link BreakerPolicy#DEFAULT} for every model. */
	public static final BreakerSettings DEFAULT = new BreakerSettings(BreakerPolicy.DEFAULT, Map.of());

	/** No breaker for any model. */
	public static final BreakerSettings DISABLED = new BreakerSettings(BreakerPolicy.DISABLED, Map.of());

	public BreakerSettings {
		Objects.requireNonNull(defaults, "defaults");
		models = Map.copyOf(models);
	}

	/** The same policy for every model. */
	public static BreakerSettings of(BreakerPolicy policy) {
		return new BreakerSettings(policy, Map.of());
	}

	/** The policy of a model: its own, else the default. */
	public BreakerPolicy policy(ModelRef model) {
		return this.models.getOrDefault(model, this.defaults);
	}

}

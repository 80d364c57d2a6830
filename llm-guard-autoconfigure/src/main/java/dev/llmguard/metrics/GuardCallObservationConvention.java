package dev.llmguard.metrics;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;

/** Names and keys of {@code llm.guard.call} observations; declare a bean to change them. */
public interface GuardCallObservationConvention extends ObservationConvention<GuardCallContext> {

	@Override
	default boolean supportsContext(Observation.Context context) {
		return context instanceof GuardCallContext;
	}

}

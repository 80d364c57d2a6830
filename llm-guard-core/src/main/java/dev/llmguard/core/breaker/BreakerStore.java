package dev.llmguard.core.breaker;

import java.time.Duration;

import dev.llmguard.core.config.BreakerPolicy;
import dev.llmguard.core.model.ModelRef;

/**
 * Where the models' circuit breakers live: in this JVM ({@link InMemoryBreakerStore}) or shared by
 * every instance (Redis). Each operation is atomic and reads the store's own clock, so that the
 * instances sharing a store agree on windows, open times and probe leases.
 * <p>
 * A breaker is <em>closed</em> (calls pass, failures are counted in a sliding window), <em>open</em>
 * until an instant (calls are refused), then <em>half-open</em>: the next call is its one probe, the
 * others are refused until the probe decides or its lease (the breaker's open time) runs out.
 */
public interface BreakerStore {

	/**
	 * Asks the breaker of a model to let one call through.
	 * @return {@link BreakerPass.Kind#CLOSED}; {@link BreakerPass.Kind#PROBE} with the token of the
	 * one half-open probe, taken now; or a refusal ({@link BreakerPass.Kind#OPEN},
	 * {@link BreakerPass.Kind#PROBING}) with when to ask again
	 */
	BreakerPass pass(ModelRef model);

	/**
	 * Counts a failure of a model. Closed, the failure joins the window and the breaker opens for
	 * {@code openFor} at the policy's count. Open, it stays open at least {@code openFor} (or its own
	 * open time, if longer) from now, never ending sooner than before. Half-open (a probe, or a call
	 * admitted earlier, failed), it opens again for twice its last open time, at most the policy's
	 * {@code maxOpen}, never shorter than before or than {@code openFor}.
	 * @param openFor the open time of this failure (the call's chain's cooldown)
	 */
	BreakerChange failed(ModelRef model, BreakerPolicy policy, Duration openFor);

	/**
	 * The half-open probe with this token succeeded: the breaker closes and forgets its failures.
	 * @return whether it closed (false when the probe's lease had run out and the breaker moved on)
	 */
	boolean probeSucceeded(ModelRef model, long token);

	/** The probe with this token ends without deciding (it never reached the provider): the next call probes. */
	void probeAbandoned(ModelRef model, long token);

	/**
	 * The breaker of a model as it stands, for endpoints.
	 * @param window the sliding window failures are counted in
	 */
	BreakerState state(ModelRef model, Duration window);

}

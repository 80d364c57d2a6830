package dev.llmguard.metrics;

import io.micrometer.common.docs.KeyName;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;
import io.micrometer.observation.docs.ObservationDocumentation;

/** The observations llm-guard makes. */
public enum GuardObservationDocumentation implements ObservationDocumentation {

	/**
	 * One guarded call, from admission to settlement: its waits, each attempt, retries, fallbacks
	 * and the settlement are events; the provider client's own observation nests inside it.
	 */
	CALL {
		@Override
		public Class<? extends ObservationConvention<? extends Observation.Context>> getDefaultConvention() {
			return DefaultGuardCallObservationConvention.class;
		}

		@Override
		public KeyName[] getLowCardinalityKeyNames() {
			return LowCardinalityKeys.values();
		}

		@Override
		public KeyName[] getHighCardinalityKeyNames() {
			return HighCardinalityKeys.values();
		}

		@Override
		public Observation.Event[] getEvents() {
			return Events.values();
		}
	};

	/** Keys whose values come from the configuration or a fixed set. */
	public enum LowCardinalityKeys implements KeyName {

		/** Provider of the model the call ended on ({@code none} when no model was tried). */
		PROVIDER {
			@Override
			public String asString() {
				return "provider";
			}
		},

		/** Model the call ended on ({@code none} when no model was tried). */
		MODEL {
			@Override
			public String asString() {
				return "model";
			}
		},

		/** {@code success}, {@code rate_limited}, {@code budget_exceeded}, {@code failed}, {@code fallback_response} or {@code cached_response}. */
		OUTCOME {
			@Override
			public String asString() {
				return "outcome";
			}
		}

	}

	/** Keys for traces only. */
	public enum HighCardinalityKeys implements KeyName {

		/** The chain the call used, if any. */
		CHAIN {
			@Override
			public String asString() {
				return "llm.guard.chain";
			}
		},

		/** Attempts sent to providers, retries included. */
		ATTEMPTS {
			@Override
			public String asString() {
				return "llm.guard.attempts";
			}
		}

	}

	/** Events of a call. */
	public enum Events implements Observation.Event {

		/** A model was admitted after waiting for rate capacity (possibly for no time). */
		WAIT {
			@Override
			public String getName() {
				return "llm.guard.wait";
			}
		},

		/** An attempt is sent to a model. */
		ATTEMPT {
			@Override
			public String getName() {
				return "llm.guard.attempt";
			}
		},

		/** A failed attempt will be retried after a pause. */
		RETRY {
			@Override
			public String getName() {
				return "llm.guard.retry";
			}
		},

		/** The call moved on to the next model of its chain or to the fallback response. */
		FALLBACK {
			@Override
			public String getName() {
				return "llm.guard.fallback";
			}
		},

		/** A model was refused (budget, rate, context window). */
		REJECTED {
			@Override
			public String getName() {
				return "llm.guard.rejected";
			}
		},

		/** The call was settled: cost and tokens committed to budgets and buckets. */
		SETTLE {
			@Override
			public String getName() {
				return "llm.guard.settle";
			}
		}

	}

}

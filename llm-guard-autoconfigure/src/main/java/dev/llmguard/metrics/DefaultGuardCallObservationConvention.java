package dev.llmguard.metrics;

import io.micrometer.common.KeyValues;

import dev.llmguard.metrics.GuardObservationDocumentation.HighCardinalityKeys;
import dev.llmguard.metrics.GuardObservationDocumentation.LowCardinalityKeys;

/** The default convention: {@code llm.guard.call} with provider, model and outcome. */
public class DefaultGuardCallObservationConvention implements GuardCallObservationConvention {

	/** The observation's name, also the name of the timer Micrometer derives from it. */
	public static final String NAME = "llm.guard.call";

	@Override
	public String getName() {
		return NAME;
	}

	@Override
	public String getContextualName(GuardCallContext context) {
		String chain = context.getChain();
		return "llm-guard " + ((chain != null) ? chain : "call");
	}

	@Override
	public KeyValues getLowCardinalityKeyValues(GuardCallContext context) {
		String outcome = context.getOutcome();
		if (outcome == null) {
			outcome = (context.getError() != null) ? "failed" : "success";
		}
		return KeyValues.of(LowCardinalityKeys.PROVIDER.withValue(context.getProvider()),
				LowCardinalityKeys.MODEL.withValue(context.getModel()), LowCardinalityKeys.OUTCOME.withValue(outcome));
	}

	@Override
	public KeyValues getHighCardinalityKeyValues(GuardCallContext context) {
		String chain = context.getChain();
		KeyValues values = KeyValues.of(HighCardinalityKeys.ATTEMPTS.withValue(String.valueOf(context.getAttempts())));
		return (chain != null) ? values.and(HighCardinalityKeys.CHAIN.withValue(chain)) : values;
	}

}

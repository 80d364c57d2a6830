package dev.llmguard.metrics;

import java.util.Objects;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;

import dev.llmguard.core.CallObserver;
import dev.llmguard.core.CallRequest;
import dev.llmguard.core.ObservedCall;
import dev.llmguard.core.event.GuardEvent;

/**
 * Makes every guarded call an {@code llm.guard.call} Micrometer observation. The engine starts it
 * on the calling thread and keeps it current while the provider is called, so the provider
 * client's own observation (Spring AI's {@code gen_ai.client.operation}) becomes its child; waits,
 * attempts, retries, fallbacks and the settlement are events of it.
 */
public final class ObservationCallObserver implements CallObserver {

	private static final GuardCallObservationConvention DEFAULT_CONVENTION = new DefaultGuardCallObservationConvention();

	private final ObservationRegistry registry;

	private final GuardCallObservationConvention convention;

	/**
	 * @param registry the registry observations are made in
	 * @param convention a custom convention, or {@code null} for the default one
	 */
	public ObservationCallObserver(ObservationRegistry registry, GuardCallObservationConvention convention) {
		this.registry = Objects.requireNonNull(registry, "registry");
		this.convention = convention;
	}

	public ObservationCallObserver(ObservationRegistry registry) {
		this(registry, null);
	}

	@Override
	public ObservedCall start(CallRequest request) {
		if (this.registry.isNoop()) {
			return ObservedCall.NONE;
		}
		GuardCallContext context = new GuardCallContext(request);
		Observation observation = GuardObservationDocumentation.CALL
			.observation(this.convention, DEFAULT_CONVENTION, () -> context, this.registry)
			.start();
		return new Call(observation, context);
	}

	private static final class Call implements ObservedCall {

		private final Observation observation;

		private final GuardCallContext context;

		Call(Observation observation, GuardCallContext context) {
			this.observation = observation;
			this.context = context;
		}

		@Override
		public void onEvent(GuardEvent event) {
			if (event instanceof GuardEvent.Waited waited) {
				this.context.setModel(waited.provider(), waited.model());
				this.context.attempted();
				event(GuardObservationDocumentation.Events.WAIT,
						"waited " + waited.waited() + " for " + waited.provider() + "/" + waited.model());
				event(GuardObservationDocumentation.Events.ATTEMPT,
						"attempt 1 on " + waited.provider() + "/" + waited.model());
			}
			else if (event instanceof GuardEvent.Retried retried) {
				this.context.attempted();
				event(GuardObservationDocumentation.Events.RETRY, "retry after " + retried.backoff() + " ("
						+ retried.reason() + "): attempt " + (retried.attempt() + 1) + " on " + retried.provider()
						+ "/" + retried.model());
			}
			else if (event instanceof GuardEvent.FellBack fellBack) {
				event(GuardObservationDocumentation.Events.FALLBACK,
						fellBack.from() + " -> " + fellBack.to() + " (" + fellBack.reason() + ")");
			}
			else if (event instanceof GuardEvent.Rejected rejected) {
				event(GuardObservationDocumentation.Events.REJECTED,
						rejected.provider() + "/" + rejected.model() + ": " + rejected.reason());
			}
			else if (event instanceof GuardEvent.CallFinished finished) {
				this.context.setModel(finished.provider(), finished.model());
				this.context.setChain(finished.chain());
				this.context.setOutcome(finished.outcome());
				event(GuardObservationDocumentation.Events.SETTLE, "settled " + finished.outcome());
			}
		}

		private void event(GuardObservationDocumentation.Events event, String contextualName) {
			this.observation.event(Observation.Event.of(event.getName(), contextualName));
		}

		@Override
		public Scope openScope() {
			Observation.Scope scope = this.observation.openScope();
			return scope::close;
		}

		@Override
		public void stop(Throwable error) {
			if (error != null) {
				this.observation.error(error);
			}
			this.observation.stop();
		}

	}

}

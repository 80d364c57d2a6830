package dev.llmguard.benchmarks.jmh;

import java.util.Objects;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import dev.llmguard.core.event.GuardEvent;
import dev.llmguard.core.event.GuardListener;

/**
 * Stands in for llm-guard's Micrometer binding until it is on main: one {@code llm.guard.calls}
 * counter increment per finished call, looked up by its tags on every event as a Micrometer binding
 * does, so benchmark (c) pays for metrics.
 */
public final class CallCounterListener implements GuardListener {

	private final MeterRegistry registry;

	public CallCounterListener(MeterRegistry registry) {
		this.registry = Objects.requireNonNull(registry, "registry");
	}

	@Override
	public void onEvent(GuardEvent event) {
		if (event instanceof GuardEvent.CallFinished call) {
			Counter.builder("llm.guard.calls")
				.tag("provider", call.provider())
				.tag("model", call.model())
				.tag("outcome", call.outcome())
				.register(this.registry)
				.increment();
		}
	}

}

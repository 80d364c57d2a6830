package dev.llmguard.core.event;

/** Receives every {@link GuardEvent}. Must be fast and must not throw. */
@FunctionalInterface
public interface GuardListener {

	void onEvent(GuardEvent event);

}

package dev.llmguard.core.event;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Fans events out to listeners; a failing listener is logged and never breaks a call. */
public final class GuardEvents implements GuardListener {

	private static final Logger logger = LoggerFactory.getLogger(GuardEvents.class);

	private final List<GuardListener> listeners = new CopyOnWriteArrayList<>();

	public GuardEvents(List<? extends GuardListener> listeners) {
		this.listeners.addAll(listeners);
	}

	public GuardEvents() {
		this(List.of());
	}

	public void add(GuardListener listener) {
		this.listeners.add(listener);
	}

	public void remove(GuardListener listener) {
		this.listeners.remove(listener);
	}

	@Override
	public void onEvent(GuardEvent event) {
		for (GuardListener listener : this.listeners) {
			try {
				listener.onEvent(event);
			}
			catch (RuntimeException ex) {
				logger.debug("llm-guard listener {} failed on {}", listener, event.type(), ex);
			}
		}
	}

}

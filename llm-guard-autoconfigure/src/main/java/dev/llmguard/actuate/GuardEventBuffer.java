package dev.llmguard.actuate;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.llmguard.core.event.GuardEvent;
import dev.llmguard.core.event.GuardListener;

/**
 * The latest notable events, for the {@code llmguardevents} endpoint: a ring buffer of fixed size
 * that keeps rejections, waits over one second, retries, fallbacks, cooldowns, circuit breaker
 * changes, budget warnings, limited tool calls, failed calls and backend failures; ordinary
 * successful calls are not kept.
 */
public final class GuardEventBuffer implements GuardListener {

	/** Size used when none is configured. */
	public static final int DEFAULT_SIZE = 200;

	/** Waits shorter than this are routine and not kept. */
	static final Duration LONG_WAIT = Duration.ofSeconds(1);

	private final GuardEvent[] events;

	/** Events ever kept; the next one goes to {@code count % size}. */
	private long count;

	/**
	 * @param size how many events to keep; older ones are dropped
	 */
	public GuardEventBuffer(int size) {
		if (size <= 0) {
			throw new IllegalArgumentException("the event buffer needs a positive size, was " + size
					+ " (llm.guard.events.buffer-size)");
		}
		this.events = new GuardEvent[size];
	}

	public GuardEventBuffer() {
		this(DEFAULT_SIZE);
	}

	@Override
	public void onEvent(GuardEvent event) {
		if (isNotable(event)) {
			synchronized (this) {
				this.events[(int) (this.count % this.events.length)] = event;
				this.count++;
			}
		}
	}

	/** The kept events, newest first. */
	public List<GuardEvent> latest() {
		synchronized (this) {
			int size = (int) Math.min(this.count, this.events.length);
			List<GuardEvent> latest = new ArrayList<>(size);
			for (long i = this.count - 1; i >= this.count - size; i--) {
				latest.add(this.events[(int) (i % this.events.length)]);
			}
			return latest;
		}
	}

	/** How many events the buffer holds at most. */
	public int size() {
		return this.events.length;
	}

	static boolean isNotable(GuardEvent event) {
		if (event instanceof GuardEvent.Waited waited) {
			return waited.waited().compareTo(LONG_WAIT) > 0;
		}
		if (event instanceof GuardEvent.CallFinished finished) {
			return "failed".equals(finished.outcome());
		}
		if (event instanceof GuardEvent.ToolCalled tool) {
			return !"allowed".equals(tool.outcome());
		}
		if (event instanceof GuardEvent.Decided decided) {
			return decided.shadowed(); // an enforced decision is listed as its own event (rejected, fallback, …)
		}
		return true;
	}

}

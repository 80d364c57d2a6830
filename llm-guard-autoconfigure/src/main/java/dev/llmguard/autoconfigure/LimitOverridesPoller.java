package dev.llmguard.autoconfigure;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.SmartLifecycle;

import dev.llmguard.core.change.RuntimeLimits;

/**
 * Picks up limits other instances changed, every {@code llm.guard.redis.limits-refresh}, on one
 * daemon thread; does nothing when the overrides are not shared.
 */
final class LimitOverridesPoller implements SmartLifecycle {

	private static final Logger logger = LoggerFactory.getLogger(LimitOverridesPoller.class);

	private final RuntimeLimits limits;

	private final boolean shared;

	private final Duration interval;

	private volatile ScheduledExecutorService executor;

	LimitOverridesPoller(RuntimeLimits limits, boolean shared, Duration interval) {
		this.limits = limits;
		this.shared = shared;
		this.interval = interval;
	}

	@Override
	public synchronized void start() {
		if (!this.shared || this.executor != null) {
			return;
		}
		ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor((task) -> {
			Thread thread = new Thread(task, "llm-guard-limits-refresh");
			thread.setDaemon(true);
			return thread;
		});
		long millis = Math.max(1, this.interval.toMillis());
		executor.scheduleWithFixedDelay(this::refresh, millis, millis, TimeUnit.MILLISECONDS);
		this.executor = executor;
	}

	private void refresh() {
		try {
			this.limits.refresh();
		}
		catch (RuntimeException ex) {
			// the next round tries again; a failing store keeps what was applied
			logger.debug("llm-guard: could not refresh limits changed at runtime", ex);
		}
	}

	@Override
	public synchronized void stop() {
		if (this.executor != null) {
			this.executor.shutdownNow();
			this.executor = null;
		}
	}

	@Override
	public boolean isRunning() {
		return this.executor != null;
	}

}

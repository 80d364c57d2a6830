package dev.llmguard.core.limit;

import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

import dev.llmguard.core.config.GuardSettings;
import dev.llmguard.core.config.ToolSpec;
import dev.llmguard.core.time.GuardClock;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;

/**
 * Limits on tools of function calling ({@code llm.guard.tools.*}): one bucket per tool holding
 * {@code limit} calls, refilled greedily over {@code window} (a call comes back every
 * window/limit, rather than all at once at the end of the window). The limit is the user's own
 * number, so no headroom applies. A refused call never waits: the tool answers its fallback.
 */
public final class ToolLimiter {

	/** Fixed keys (the configured tools); a runtime change replaces a value, copy on write. */
	private volatile Map<String, Tool> tools;

	private final BucketStore store;

	/**
	 * Builds one bucket per configured tool.
	 * @param settings the configuration
	 * @param store where buckets live
	 * @param clock unused by local buckets (the store has its own); kept for symmetry with {@link RateLimiters}
	 */
	public ToolLimiter(GuardSettings settings, BucketStore store, GuardClock clock) {
		Objects.requireNonNull(store, "store");
		Objects.requireNonNull(clock, "clock");
		this.store = store;
		Map<String, Tool> tools = new TreeMap<>();
		for (ToolSpec spec : settings.tools().values()) {
			if (spec.limit() <= 0) {
				throw new IllegalArgumentException(
						"llm.guard.tools." + spec.name() + ".limit must be positive, was " + spec.limit());
			}
			if (spec.window() == null || spec.window().isNegative() || spec.window().isZero()) {
				throw new IllegalArgumentException(
						"llm.guard.tools." + spec.name() + ".window must be positive, was " + spec.window());
			}
			Bucket bucket = store.bucket("tool:" + spec.name(), () -> configuration(spec));
			tools.put(spec.name(), new Tool(spec, bucket));
		}
		this.tools = Collections.unmodifiableMap(tools);
	}

	private static BucketConfiguration configuration(ToolSpec spec) {
		return BucketConfiguration.builder()
			.addLimit(Bandwidth.builder().capacity(spec.limit()).refillGreedy(spec.limit(), spec.window()).build())
			.build();
	}

	/**
	 * Changes a tool's limit at runtime; the calls made in the window stay counted.
	 * @param tool a configured tool name
	 * @param limit the new limit, calls per window
	 * @param carryOver whether this instance carries a shared bucket's state over (it made the change)
	 * @throws IllegalArgumentException for a tool that has no configured limit, or a limit that is not positive
	 */
	public synchronized void relimit(String tool, long limit, boolean carryOver) {
		Tool current = this.tools.get(tool);
		if (current == null) {
			throw new IllegalArgumentException("No limit is configured for tool '" + tool
					+ "'; tools with a limit are " + this.tools.keySet() + " (llm.guard.tools.*)");
		}
		if (limit <= 0) {
			throw new IllegalArgumentException("llm.guard.tools." + tool + ".limit must be positive, was " + limit);
		}
		if (limit == current.spec.limit()) {
			return;
		}
		ToolSpec spec = new ToolSpec(tool, limit, current.spec.window(), current.spec.fallbackResponse());
		Bucket bucket = this.store.reconfigure("tool:" + tool, current.bucket, current.spec.limit(), configuration(spec),
				carryOver);
		Map<String, Tool> tools = new TreeMap<>(this.tools);
		tools.put(tool, new Tool(spec, bucket));
		this.tools = Collections.unmodifiableMap(tools);
	}

	/**
	 * Counts one call of a tool if its limit allows it.
	 * @param tool a configured tool name
	 * @return the decision, with the tool's configuration
	 * @throws IllegalArgumentException for a tool that has no configured limit
	 */
	public ToolDecision tryAcquire(String tool) {
		Tool limited = (tool != null) ? this.tools.get(tool) : null;
		if (limited == null) {
			throw new IllegalArgumentException("No limit is configured for tool '" + tool
					+ "'; tools with a limit are " + this.tools.keySet() + " (llm.guard.tools.*)");
		}
		ConsumptionProbe probe = limited.bucket.tryConsumeAndReturnRemaining(1);
		if (probe.isConsumed()) {
			return limited.allowed;
		}
		return new ToolDecision(false, LimitMessages.retryAfter(probe.getNanosToWaitForRefill()), limited.spec);
	}

	/**
	 * Counts one call of a tool that runs whatever its limit says (shadow mode): the bucket goes into
	 * debt, so the tool's later calls are judged on what really ran.
	 * @param tool a configured tool name
	 */
	public void takeAnyway(String tool) {
		Tool limited = (tool != null) ? this.tools.get(tool) : null;
		if (limited != null) {
			limited.bucket.consumeIgnoringRateLimits(1);
		}
	}

	/**
	 * Whether a tool has a configured limit.
	 * @param tool a tool name
	 * @return {@code true} when {@link #tryAcquire} accepts it
	 */
	public boolean isLimited(String tool) {
		return tool != null && this.tools.containsKey(tool);
	}

	/**
	 * Every tool limit with the calls available now.
	 * @return levels by tool name, in name order
	 */
	public Map<String, ToolLevel> snapshot() {
		Map<String, ToolLevel> levels = new TreeMap<>();
		this.tools.forEach((name, tool) -> levels.put(name,
				new ToolLevel(tool.spec.limit(), tool.spec.window(), tool.bucket.getAvailableTokens())));
		return Collections.unmodifiableMap(levels);
	}

	private record Tool(ToolSpec spec, Bucket bucket, ToolDecision allowed) {

		Tool(ToolSpec spec, Bucket bucket) {
			// one shared "allowed" answer: the common case allocates nothing
			this(spec, bucket, new ToolDecision(true, Duration.ZERO, spec));
		}

	}

}

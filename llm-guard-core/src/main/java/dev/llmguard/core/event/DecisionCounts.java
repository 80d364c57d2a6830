package dev.llmguard.core.event;

import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

import dev.llmguard.core.config.GuardSettings;

/**
 * Counts the guard's decisions ({@link GuardEvent.Decided}) per provider, budget and tool, shadowed
 * or enforced, for the actuator endpoint. Only configured names are counted, so the counts stay
 * bounded: a decision of a budget counts for the budget, of a tool for the tool, else for the provider.
 */
public final class DecisionCounts implements GuardListener {

	private final Set<String> providers;

	private final Set<String> budgets;

	private final Set<String> tools;

	private final Map<Key, LongAdder> counts = new ConcurrentHashMap<>();

	public DecisionCounts(GuardSettings settings) {
		this.providers = Set.copyOf(settings.providers().keySet());
		this.budgets = Set.copyOf(settings.budgets().keySet());
		this.tools = Set.copyOf(settings.tools().keySet());
	}

	@Override
	public void onEvent(GuardEvent event) {
		if (!(event instanceof GuardEvent.Decided decided)) {
			return;
		}
		Key key;
		if (decided.budget() != null) {
			key = this.budgets.contains(decided.budget()) ? new Key(Scope.BUDGET, decided.budget(), decided) : null;
		}
		else if (decided.tool() != null) {
			key = this.tools.contains(decided.tool()) ? new Key(Scope.TOOL, decided.tool(), decided) : null;
		}
		else {
			key = this.providers.contains(decided.provider()) ? new Key(Scope.PROVIDER, decided.provider(), decided)
					: null;
		}
		if (key != null) {
			this.counts.computeIfAbsent(key, (k) -> new LongAdder()).increment();
		}
	}

	/**
	 * A provider's, budget's or tool's decisions so far.
	 * @param scope whose
	 * @param name its configured name
	 * @param shadowed the shadowed decisions, or the enforced ones
	 * @return counts by decision, in name order; empty when none
	 */
	public Map<String, Long> of(Scope scope, String name, boolean shadowed) {
		Map<String, Long> counts = new TreeMap<>();
		this.counts.forEach((key, count) -> {
			if (key.scope == scope && key.name.equals(name) && key.shadowed == shadowed) {
				counts.put(key.decision, count.sum());
			}
		});
		return Collections.unmodifiableMap(counts);
	}

	/** Whose decisions are counted. */
	public enum Scope {

		PROVIDER, BUDGET, TOOL

	}

	private record Key(Scope scope, String name, String decision, boolean shadowed) {

		Key(Scope scope, String name, GuardEvent.Decided decided) {
			this(scope, name, decided.decision(), decided.shadowed());
		}

	}

}

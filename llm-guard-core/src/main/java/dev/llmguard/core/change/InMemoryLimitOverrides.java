package dev.llmguard.core.change;

import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;

/** Overrides of this JVM only; bounded by configuration (names are validated settings). */
public final class InMemoryLimitOverrides implements LimitOverrides {

	private final Map<String, String> values = new TreeMap<>();

	@Override
	public synchronized Map<String, String> read() {
		return Map.copyOf(this.values);
	}

	@Override
	public synchronized void write(Map<String, String> set, Collection<String> remove) {
		remove.forEach(this.values::remove);
		this.values.putAll(set);
	}

}

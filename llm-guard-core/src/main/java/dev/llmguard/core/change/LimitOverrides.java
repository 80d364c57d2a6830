package dev.llmguard.core.change;

import java.util.Collection;
import java.util.Map;

/**
 * Where limits changed at runtime are kept, by setting name ({@link LimitSetting#name()}): in this
 * JVM, or shared by every instance (the Redis backend), so that instances started later run on them
 * too. Names come from validated settings, so the store is bounded by configuration.
 */
public interface LimitOverrides {

	/**
	 * Every override now.
	 * @return values by setting name, empty when none; {@code null} when a shared store cannot be read now
	 */
	Map<String, String> read();

	/**
	 * Writes overrides and removes others, as one step where the store can.
	 * @param set values by setting name
	 * @param remove setting names whose override ends
	 */
	void write(Map<String, String> set, Collection<String> remove);

	/** Whether other instances see these overrides (they then pick them up with {@link RuntimeLimits#refresh()}). */
	default boolean shared() {
		return false;
	}

}

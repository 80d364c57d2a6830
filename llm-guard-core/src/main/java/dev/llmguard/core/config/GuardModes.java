package dev.llmguard.core.config;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The mode of the guard and of each provider, budget and tool that sets its own: the most specific
 * wins (a budget's or tool's own mode, else the global one; a provider's own, else the global one).
 *
 * @param global the mode of everything that sets none ({@code llm.guard.mode})
 * @param providers modes set per provider
 * @param budgets modes set per budget
 * @param tools modes set per tool
 */
public record GuardModes(GuardMode global, Map<String, GuardMode> providers, Map<String, GuardMode> budgets,
		Map<String, GuardMode> tools) {

	/** Everything enforced. */
	public static final GuardModes ENFORCE = new GuardModes(GuardMode.ENFORCE, Map.of(), Map.of(), Map.of());

	public GuardModes {
		Objects.requireNonNull(global, "global");
		providers = Map.copyOf(providers);
		budgets = Map.copyOf(budgets);
		tools = Map.copyOf(tools);
	}

	/** Every decision in one mode, none set per provider, budget or tool. */
	public static GuardModes of(GuardMode global) {
		return new GuardModes(global, Map.of(), Map.of(), Map.of());
	}

	/** The mode of rate, cooldown, context-window, retry and failover decisions on a provider's calls. */
	public GuardMode provider(String name) {
		return this.providers.getOrDefault(name, this.global);
	}

	/** The mode of a budget's decisions (reject, downgrade, shrink). */
	public GuardMode budget(String name) {
		return this.budgets.getOrDefault(name, this.global);
	}

	/** The mode of a tool's limit. */
	public GuardMode tool(String name) {
		return this.tools.getOrDefault(name, this.global);
	}

	public boolean shadowsProvider(String name) {
		return provider(name) == GuardMode.SHADOW;
	}

	public boolean shadowsBudget(String name) {
		return budget(name) == GuardMode.SHADOW;
	}

	public boolean shadowsTool(String name) {
		return tool(name) == GuardMode.SHADOW;
	}

	/**
	 * These modes with another global mode.
	 * @param mode the mode of everything that sets none
	 * @return the changed modes
	 */
	public GuardModes withGlobal(GuardMode mode) {
		return new GuardModes(mode, this.providers, this.budgets, this.tools);
	}

	/**
	 * These modes with a provider's own mode set or removed.
	 * @param name the provider
	 * @param mode its own mode, or {@code null} to follow the global one
	 * @return the changed modes
	 */
	public GuardModes withProvider(String name, GuardMode mode) {
		return new GuardModes(this.global, with(this.providers, name, mode), this.budgets, this.tools);
	}

	/**
	 * These modes with a budget's own mode set or removed.
	 * @param name the budget
	 * @param mode its own mode, or {@code null} to follow the global one
	 * @return the changed modes
	 */
	public GuardModes withBudget(String name, GuardMode mode) {
		return new GuardModes(this.global, this.providers, with(this.budgets, name, mode), this.tools);
	}

	/**
	 * These modes with a tool's own mode set or removed.
	 * @param name the tool
	 * @param mode its own mode, or {@code null} to follow the global one
	 * @return the changed modes
	 */
	public GuardModes withTool(String name, GuardMode mode) {
		return new GuardModes(this.global, this.providers, this.budgets, with(this.tools, name, mode));
	}

	private static Map<String, GuardMode> with(Map<String, GuardMode> modes, String name, GuardMode mode) {
		Map<String, GuardMode> changed = new HashMap<>(modes);
		if (mode != null) {
			changed.put(name, mode);
		}
		else {
			changed.remove(name);
		}
		return changed;
	}

}

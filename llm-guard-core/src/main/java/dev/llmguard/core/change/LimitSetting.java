package dev.llmguard.core.change;

import java.util.List;
import java.util.Locale;

/**
 * A setting that can change at runtime, by its name under {@code llm.guard}:
 * {@code providers.<p>.<limit>}, {@code providers.<p>.max-concurrent},
 * {@code providers.<p>.models.<m>.<limit>}, {@code budgets.<b>.max-cost|max-tokens|warn-at},
 * {@code tools.<t>.limit}, and the mode: {@code mode}, {@code providers.<p>.mode},
 * {@code budgets.<b>.mode} and {@code tools.<t>.mode}, where {@code <limit>} is one of the rate limits
 * ({@code requests-per-minute}, {@code tokens-per-minute}, …).
 *
 * @param kind what the setting belongs to
 * @param owner the provider, budget or tool; {@code null} for the guard's own mode
 * @param model the model, or {@code null}
 * @param property the property, e.g. {@code requests-per-minute}
 */
record LimitSetting(Kind kind, String owner, String model, String property) {

	/** What a setting belongs to. */
	public enum Kind {

		PROVIDER, MODEL, BUDGET, TOOL,

		/** The guard itself: {@code llm.guard.mode}. */
		GUARD

	}

	/** The rate limits of providers and models, as their properties are named. */
	public static final List<String> RATE_LIMITS = List.of("requests-per-minute", "tokens-per-minute",
			"input-tokens-per-minute", "output-tokens-per-minute", "requests-per-day", "tokens-per-day");

	static final String MAX_CONCURRENT = "max-concurrent";

	static final List<String> BUDGET_PROPERTIES = List.of("max-cost", "max-tokens", "warn-at");

	static final String TOOL_LIMIT = "limit";

	/** The mode ({@code enforce | shadow}) of the guard, a provider, a budget or a tool. */
	static final String MODE = "mode";

	/**
	 * Parses a setting's name; an {@code llm.guard.} prefix and {@code [key]} brackets (as in
	 * {@code models[gpt-4.1]}) are accepted.
	 * @param name the name
	 * @return the setting
	 * @throws IllegalArgumentException naming what is wrong and what is accepted
	 */
	public static LimitSetting parse(String name) {
		if (name == null || name.isBlank()) {
			throw new IllegalArgumentException("A setting name is required, e.g. providers.openai.requests-per-minute");
		}
		String plain = name.trim();
		if (plain.startsWith("llm.guard.")) {
			plain = plain.substring("llm.guard.".length());
		}
		plain = plain.replace("[", ".").replace("]", "").replace("..", ".");
		if (MODE.equals(plain.toLowerCase(Locale.ROOT))) {
			return new LimitSetting(Kind.GUARD, null, null, MODE);
		}
		int last = plain.lastIndexOf('.');
		int first = plain.indexOf('.');
		if (first < 0 || last == first) {
			throw unknown(name);
		}
		String root = plain.substring(0, first);
		String property = plain.substring(last + 1).toLowerCase(Locale.ROOT);
		String middle = plain.substring(first + 1, last);
		switch (root) {
			case "providers" -> {
				int models = middle.indexOf(".models.");
				if (models > 0) {
					if (!RATE_LIMITS.contains(property)) {
						throw new IllegalArgumentException("'" + name + "': a model's runtime limits are " + RATE_LIMITS);
					}
					return new LimitSetting(Kind.MODEL, middle.substring(0, models),
							middle.substring(models + ".models.".length()), property);
				}
				if (!RATE_LIMITS.contains(property) && !MAX_CONCURRENT.equals(property) && !MODE.equals(property)) {
					throw new IllegalArgumentException("'" + name + "': a provider's runtime limits are " + RATE_LIMITS
							+ " and " + MAX_CONCURRENT + ", and its " + MODE + " (enforce or shadow)");
				}
				return new LimitSetting(Kind.PROVIDER, middle, null, property);
			}
			case "budgets" -> {
				if (!BUDGET_PROPERTIES.contains(property) && !MODE.equals(property)) {
					throw new IllegalArgumentException("'" + name + "': a budget's runtime settings are " + BUDGET_PROPERTIES
							+ " and " + MODE);
				}
				return new LimitSetting(Kind.BUDGET, middle, null, property);
			}
			case "tools" -> {
				if (!TOOL_LIMIT.equals(property) && !MODE.equals(property)) {
					throw new IllegalArgumentException("'" + name + "': a tool's runtime settings are 'limit' and 'mode'");
				}
				return new LimitSetting(Kind.TOOL, middle, null, property);
			}
			default -> throw unknown(name);
		}
	}

	private static IllegalArgumentException unknown(String name) {
		return new IllegalArgumentException("'" + name + "' is not a setting that changes at runtime; those are "
				+ "providers.<provider>.<limit>, providers.<provider>.max-concurrent, "
				+ "providers.<provider>.models.<model>.<limit>, budgets.<budget>.max-cost|max-tokens|warn-at, "
				+ "tools.<tool>.limit, and mode, providers.<provider>.mode, budgets.<budget>.mode and "
				+ "tools.<tool>.mode, where <limit> is one of " + RATE_LIMITS);
	}

	/** The canonical name, e.g. {@code providers.openai.models.gpt-4o.tokens-per-minute}. */
	public String name() {
		return switch (this.kind) {
			case PROVIDER -> "providers." + this.owner + "." + this.property;
			case MODEL -> "providers." + this.owner + ".models." + this.model + "." + this.property;
			case BUDGET -> "budgets." + this.owner + "." + this.property;
			case TOOL -> "tools." + this.owner + "." + this.property;
			case GUARD -> this.property;
		};
	}

	/** Whether this is a mode ({@code enforce | shadow}) rather than a limit. */
	public boolean isMode() {
		return MODE.equals(this.property);
	}

	@Override
	public String toString() {
		return name();
	}

}

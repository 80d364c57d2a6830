package dev.llmguard.core.change;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.llmguard.core.budget.Budgets;
import dev.llmguard.core.config.BudgetSpec;
import dev.llmguard.core.config.CurrentModes;
import dev.llmguard.core.config.GuardMode;
import dev.llmguard.core.config.GuardModes;
import dev.llmguard.core.config.GuardSettings;
import dev.llmguard.core.config.ModelSpec;
import dev.llmguard.core.config.ProviderSpec;
import dev.llmguard.core.config.RateLimits;
import dev.llmguard.core.config.ToolSpec;
import dev.llmguard.core.event.GuardEvent;
import dev.llmguard.core.event.GuardListener;
import dev.llmguard.core.limit.RateLimiters;
import dev.llmguard.core.limit.ToolLimiter;
import dev.llmguard.core.model.Money;
import dev.llmguard.core.time.GuardClock;
import io.github.bucket4j.Bandwidth;

/**
 * Limits changed at runtime, without a restart: providers' and models' rate limits and
 * {@code max-concurrent}, budgets' {@code max-cost}, {@code max-tokens} and {@code warn-at}, tools'
 * limits, and the mode ({@code enforce | shadow}) of the guard and of each provider, budget and tool. A change is validated as a whole (nothing changes when one value is bad), kept in
 * {@link LimitOverrides} (shared by the fleet with the Redis backend), applied to this engine's buckets,
 * which keep what was used, and raised as one {@link GuardEvent.LimitsChanged} event with the old and
 * new values and who changed them. A {@linkplain #reset reset} returns settings to the configured
 * values; {@link #refresh()} picks up what other instances changed; {@link #reconfigure} takes changed
 * configured values (a refreshed Environment).
 */
public final class RuntimeLimits {

	private static final Logger logger = LoggerFactory.getLogger(RuntimeLimits.class);

	private final GuardSettings settings;

	private final RateLimiters limiters;

	private final ToolLimiter tools;

	private final Budgets budgets;

	private final CurrentModes modes;

	private final GuardListener events;

	private final GuardClock clock;

	private final LimitOverrides overrides;

	/** Every setting that can change, with its configured value ({@code null}: none configured). */
	private final Map<String, String> configured = new TreeMap<>();

	/** Overrides applied to this engine, by setting name. Guarded by {@code this}. */
	private final Map<String, String> applied = new TreeMap<>();

	/** Settings found in the store that this instance cannot apply, warned about once. */
	private final Set<String> ignored = new TreeSet<>();

	/**
	 * Reads the overrides in the store and applies them (an instance started after a change runs on it).
	 * With an engine: {@code new RuntimeLimits(engine.settings(), engine.limiters(), engine.tools(),
	 * engine.budgets(), engine.modes(), engine.events(), engine.clock(), overrides)}.
	 * @param settings the configured settings
	 * @param limiters the rate limits that change
	 * @param tools the tool limits that change
	 * @param budgets the budgets that change
	 * @param modes the modes that change
	 * @param events where {@code limits-changed} events go
	 * @param clock the time of events
	 * @param overrides where overrides are kept
	 */
	public RuntimeLimits(GuardSettings settings, RateLimiters limiters, ToolLimiter tools, Budgets budgets,
			CurrentModes modes, GuardListener events, GuardClock clock, LimitOverrides overrides) {
		this.settings = Objects.requireNonNull(settings, "settings");
		this.limiters = Objects.requireNonNull(limiters, "limiters");
		this.tools = Objects.requireNonNull(tools, "tools");
		this.budgets = Objects.requireNonNull(budgets, "budgets");
		this.modes = Objects.requireNonNull(modes, "modes");
		this.events = Objects.requireNonNull(events, "events");
		this.clock = Objects.requireNonNull(clock, "clock");
		this.overrides = Objects.requireNonNull(overrides, "overrides");
		this.configured.putAll(configuredValues(settings));
		refresh();
	}

	/**
	 * Changes settings and raises one event; nothing changes when any value is invalid.
	 * @param values new values by setting name (numbers as text: {@code "500"}, {@code "12.50"}, {@code "0.8"};
	 * modes {@code "enforce"} or {@code "shadow"})
	 * @param principal who asks, or {@code null}
	 * @return what changed (settings already at the value are left out)
	 * @throws IllegalArgumentException naming the first bad setting or value and what is accepted
	 */
	public synchronized List<GuardEvent.LimitChange> change(Map<String, String> values, String principal) {
		if (values == null || values.isEmpty()) {
			throw new IllegalArgumentException("No setting to change; give values by setting name, e.g. "
					+ "{\"providers.openai.requests-per-minute\": 400}");
		}
		Map<String, String> valid = new LinkedHashMap<>();
		values.forEach((name, value) -> {
			LimitSetting setting = LimitSetting.parse(name);
			valid.put(setting.name(), validate(setting, value));
		});
		List<GuardEvent.LimitChange> changes = new ArrayList<>();
		valid.forEach((name, value) -> {
			String old = effective(name);
			if (!value.equals(old)) {
				changes.add(new GuardEvent.LimitChange(name, old, value, this.configured.get(name)));
			}
		});
		this.overrides.write(valid, List.of());
		valid.forEach((name, value) -> {
			apply(LimitSetting.parse(name), value, true);
			this.applied.put(name, value);
		});
		announce(changes, principal, "actuator");
		return changes;
	}

	/**
	 * Returns settings to their configured values and raises one event.
	 * @param target a setting name, or the start of some ({@code providers.openai}, {@code budgets.daily-spend}),
	 * or {@code null} for every override
	 * @param principal who asks, or {@code null}
	 * @return what changed back (empty when nothing under the target was overridden)
	 * @throws IllegalArgumentException when the target names no setting that can change
	 */
	public synchronized List<GuardEvent.LimitChange> reset(String target, String principal) {
		String prefix = (target != null) ? normalizeTarget(target) : null;
		if (prefix != null && this.configured.keySet().stream().noneMatch((name) -> under(name, prefix))) {
			throw new IllegalArgumentException("'" + target + "' names no setting that changes at runtime; "
					+ "settings are named like providers.openai.requests-per-minute, budgets.daily-spend.max-cost "
					+ "or tools.search.limit, or give their start (providers.openai)");
		}
		Set<String> names = new TreeSet<>(this.applied.keySet());
		Map<String, String> stored = this.overrides.read();
		if (stored != null) {
			names.addAll(stored.keySet());
		}
		names.removeIf((name) -> prefix != null && !under(name, prefix));
		List<GuardEvent.LimitChange> changes = new ArrayList<>();
		for (String name : names) {
			String old = effective(name);
			String configuredValue = this.configured.get(name);
			if (this.applied.containsKey(name) && !Objects.equals(configuredValue, old)) {
				changes.add(new GuardEvent.LimitChange(name, old, configuredValue, configuredValue));
			}
		}
		this.overrides.write(Map.of(), names);
		for (String name : names) {
			if (this.applied.remove(name) != null) {
				apply(LimitSetting.parse(name), this.configured.get(name), true);
			}
		}
		announce(changes, principal, "actuator-reset");
		return changes;
	}

	/**
	 * Applies what the store holds and this engine does not (changes and resets made by other
	 * instances). Their event was raised where they were made.
	 */
	public synchronized void refresh() {
		Map<String, String> stored = this.overrides.read();
		if (stored == null) {
			return; // the store cannot be read now: what was applied stays
		}
		List<String> picked = new ArrayList<>();
		stored.forEach((name, value) -> {
			if (value.equals(this.applied.get(name)) || this.ignored.contains(name)) {
				return;
			}
			try {
				LimitSetting setting = LimitSetting.parse(name);
				apply(setting, validate(setting, value), false);
				this.applied.put(name, value);
				picked.add(name + "=" + value);
			}
			catch (IllegalArgumentException ex) {
				this.ignored.add(name);
				logger.warn("llm-guard: ignoring the runtime limit {}={} another instance set: {}", name, value,
						ex.getMessage());
			}
		});
		for (String name : new ArrayList<>(this.applied.keySet())) {
			if (!stored.containsKey(name)) {
				this.applied.remove(name);
				String configuredValue = this.configured.get(name);
				apply(LimitSetting.parse(name), configuredValue, false);
				picked.add(name + " reset to " + configuredValue);
			}
		}
		if (!picked.isEmpty()) {
			logger.info("llm-guard: applied limits changed at runtime: {}", picked);
		}
	}

	/**
	 * Takes changed configured values (a refreshed Environment): settings that are not overridden change
	 * now, keeping what their buckets used; overridden ones return to the new values on reset. Settings
	 * that did not exist at start (a new limit, provider or budget) need a restart and are only logged.
	 * @param settings the configuration as it now reads
	 * @return what changed
	 */
	public synchronized List<GuardEvent.LimitChange> reconfigure(GuardSettings settings) {
		Map<String, String> fresh = configuredValues(settings);
		List<GuardEvent.LimitChange> changes = new ArrayList<>();
		List<String> needRestart = new ArrayList<>();
		Set<String> names = new TreeSet<>(this.configured.keySet());
		names.addAll(fresh.keySet());
		for (String name : names) {
			String before = this.configured.get(name);
			String after = fresh.get(name);
			if (Objects.equals(before, after)) {
				continue;
			}
			LimitSetting setting = LimitSetting.parse(name);
			if (!this.configured.containsKey(name) || (after == null && !setting.isMode()) || !changeable(setting)) {
				needRestart.add(name);
				continue;
			}
			String value;
			try {
				// a provider's, budget's or tool's own mode removed: it follows llm.guard.mode again
				value = (after != null) ? validate(setting, after) : null;
			}
			catch (IllegalArgumentException ex) {
				needRestart.add(name + " (" + ex.getMessage() + ")");
				continue;
			}
			String old = effective(name);
			this.configured.put(name, value);
			if (!this.applied.containsKey(name)) {
				// a shared bucket is only switched: each instance of the fleet takes the refresh itself
				apply(setting, value, !this.overrides.shared());
				changes.add(new GuardEvent.LimitChange(name, old, value, value));
			}
		}
		if (!needRestart.isEmpty()) {
			logger.warn("llm-guard: these changed settings apply only after a restart: {}", needRestart);
		}
		announce(changes, null, "environment");
		return changes;
	}

	/**
	 * Every setting that can change now, with its configured and current value.
	 * @return by setting name, in name order
	 */
	public synchronized Map<String, Value> settings() {
		Map<String, Value> values = new TreeMap<>();
		this.configured.forEach((name, configuredValue) -> {
			if (changeable(LimitSetting.parse(name))) {
				values.put(name, new Value(configuredValue, effective(name), this.applied.containsKey(name)));
			}
		});
		return values;
	}

	/**
	 * A setting's values.
	 * @param configured the configured value, {@code null} when none
	 * @param current the value in force
	 * @param overridden whether a runtime change set it
	 */
	public record Value(String configured, String current, boolean overridden) {
	}

	private String effective(String name) {
		String override = this.applied.get(name);
		return (override != null) ? override : this.configured.get(name);
	}

	private void announce(List<GuardEvent.LimitChange> changes, String principal, String source) {
		if (changes.isEmpty()) {
			return;
		}
		logger.info("llm-guard: limits changed ({}{}): {}", source, (principal != null) ? " by " + principal : "",
				changes.stream().map((c) -> c.setting() + " " + c.oldValue() + " -> " + c.newValue()).toList());
		this.events.onEvent(new GuardEvent.LimitsChanged(this.clock.instant(), principal, source, changes));
	}

	/** Whether a setting exists in this engine and can change here (a limit needs its bucket). */
	private boolean changeable(LimitSetting setting) {
		GuardSettings settings = this.settings;
		return switch (setting.kind()) {
			case PROVIDER -> switch (setting.property()) {
				case LimitSetting.MAX_CONCURRENT -> this.limiters.hasConcurrencyCap(setting.owner());
				case LimitSetting.MODE -> settings.providers().containsKey(setting.owner());
				default -> this.limiters.hasDeclaredLimit(setting.owner(), null, setting.property());
			};
			case MODEL -> this.limiters.hasDeclaredLimit(setting.owner(), setting.model(), setting.property());
			case BUDGET -> settings.budgets().containsKey(setting.owner());
			case TOOL -> settings.tools().containsKey(setting.owner());
			case GUARD -> true;
		};
	}

	/** Checks a setting exists and its value is valid; answers the value in its plain form. */
	private String validate(LimitSetting setting, Object raw) {
		GuardSettings settings = this.settings;
		String name = setting.name();
		switch (setting.kind()) {
			case PROVIDER, MODEL -> {
				ProviderSpec provider = settings.providers().get(setting.owner());
				if (provider == null) {
					throw new IllegalArgumentException("'" + name + "': unknown provider '" + setting.owner()
							+ "'; configured providers are " + new TreeSet<>(settings.providers().keySet()));
				}
				if (setting.kind() == LimitSetting.Kind.MODEL && !provider.models().containsKey(setting.model())) {
					throw new IllegalArgumentException("'" + name + "': unknown model '" + setting.model()
							+ "' of provider '" + setting.owner() + "'; its configured models are "
							+ new TreeSet<>(provider.models().keySet()));
				}
			}
			case BUDGET -> {
				if (!settings.budgets().containsKey(setting.owner())) {
					throw new IllegalArgumentException("'" + name + "': unknown budget '" + setting.owner()
							+ "'; configured budgets are " + new TreeSet<>(settings.budgets().keySet()));
				}
			}
			case TOOL -> {
				if (!settings.tools().containsKey(setting.owner())) {
					throw new IllegalArgumentException("'" + name + "': unknown tool '" + setting.owner()
							+ "'; tools with a limit are " + new TreeSet<>(settings.tools().keySet()));
				}
			}
			case GUARD -> {
			}
		}
		if (!changeable(setting)) {
			throw new IllegalArgumentException("'" + name + "' is not configured, and a runtime change only changes "
					+ "a configured limit; add it to llm.guard." + name + " and restart");
		}
		String text = (raw != null) ? raw.toString().trim() : "";
		return switch (setting.property()) {
			case LimitSetting.MODE -> modeName(mode(name, text));
			case "max-cost" -> {
				BigDecimal usd = decimal(name, text);
				if (usd.signum() <= 0) {
					throw new IllegalArgumentException("'" + name + "' must be a positive amount of USD, was " + text);
				}
				Money.fromUsd(usd); // representable in nano-dollars
				yield usd.stripTrailingZeros().toPlainString();
			}
			case "warn-at" -> {
				BigDecimal share = decimal(name, text);
				if (share.signum() <= 0 || share.compareTo(BigDecimal.ONE) > 0) {
					throw new IllegalArgumentException("'" + name + "' must be in (0, 1], was " + text);
				}
				yield share.stripTrailingZeros().toPlainString();
			}
			default -> {
				long count = positive(name, text);
				if (setting.kind() == LimitSetting.Kind.PROVIDER && LimitSetting.MAX_CONCURRENT.equals(setting.property())
						&& count > Integer.MAX_VALUE) {
					throw new IllegalArgumentException("'" + name + "' must be at most " + Integer.MAX_VALUE);
				}
				if (LimitSetting.RATE_LIMITS.contains(setting.property())) {
					checkCountable(name, setting.property(), count);
				}
				yield Long.toString(count);
			}
		};
	}

	private static GuardMode mode(String name, String text) {
		for (GuardMode mode : GuardMode.values()) {
			if (modeName(mode).equalsIgnoreCase(text)) {
				return mode;
			}
		}
		throw new IllegalArgumentException("'" + name + "' must be enforce or shadow, was '" + text + "'");
	}

	private static String modeName(GuardMode mode) {
		return mode.name().toLowerCase(Locale.ROOT);
	}

	private static BigDecimal decimal(String name, String text) {
		try {
			return new BigDecimal(text);
		}
		catch (NumberFormatException ex) {
			throw new IllegalArgumentException("'" + name + "' must be a number, was '" + text + "'");
		}
	}

	private static long positive(String name, String text) {
		long value;
		try {
			value = Long.parseLong(text);
		}
		catch (NumberFormatException ex) {
			throw new IllegalArgumentException("'" + name + "' must be a whole number, was '" + text + "'");
		}
		if (value <= 0) {
			throw new IllegalArgumentException("'" + name + "' must be positive, was " + value);
		}
		return value;
	}

	/** Bucket4j refills at most one token per nanosecond. */
	private static void checkCountable(String name, String limit, long count) {
		Duration window = limit.endsWith("-per-day") ? Duration.ofDays(1) : Duration.ofMinutes(1);
		try {
			Bandwidth.builder().capacity(count).refillGreedy(count, window).build();
		}
		catch (IllegalArgumentException ex) {
			throw new IllegalArgumentException("'" + name + "' (" + count + ") is above what a bucket can count");
		}
	}

	/**
	 * Applies one value to this engine's limits; {@code null} (a reset to nothing configured) only
	 * happens for a budget's max-cost or max-tokens, or a provider's, budget's or tool's own mode, set at
	 * runtime, which it removes again.
	 */
	private void apply(LimitSetting setting, String value, boolean carryOver) {
		if (setting.isMode()) {
			GuardMode mode = (value != null) ? GuardMode.valueOf(value.toUpperCase(Locale.ROOT)) : null;
			this.modes.update((modes) -> withMode(modes, setting, mode));
			return;
		}
		if (value == null && setting.kind() != LimitSetting.Kind.BUDGET) {
			return;
		}
		switch (setting.kind()) {
			case PROVIDER -> {
				if (LimitSetting.MAX_CONCURRENT.equals(setting.property())) {
					this.limiters.resizeConcurrency(setting.owner(), Integer.parseInt(value));
				}
				else {
					this.limiters.redeclare(setting.owner(), null, setting.property(), Long.parseLong(value),
							carryOver);
				}
			}
			case MODEL -> this.limiters
				.redeclare(setting.owner(), setting.model(), setting.property(), Long.parseLong(value), carryOver);
			case BUDGET -> {
				BudgetSpec current = this.budgets.budget(setting.owner()).orElseThrow();
				BigDecimal maxCost = current.maxCost();
				Long maxTokens = current.maxTokens();
				double warnAt = current.warnAt();
				switch (setting.property()) {
					case "max-cost" -> maxCost = (value != null) ? new BigDecimal(value) : null;
					case "max-tokens" -> maxTokens = (value != null) ? Long.parseLong(value) : null;
					default -> warnAt = Double.parseDouble(value);
				}
				this.budgets
					.replace(new BudgetSpec(current.name(), current.scope(), current.period(), maxCost, maxTokens,
							warnAt, current.onExceeded(), current.shrinkToFit()));
			}
			case TOOL -> this.tools.relimit(setting.owner(), Long.parseLong(value), carryOver);
			case GUARD -> throw new IllegalStateException("the guard's only runtime setting is its mode");
		}
	}

	/** The modes with one mode set; {@code null} removes a provider's, budget's or tool's own mode. */
	private static GuardModes withMode(GuardModes modes, LimitSetting setting, GuardMode mode) {
		return switch (setting.kind()) {
			case GUARD -> modes.withGlobal(Objects.requireNonNull(mode, "the guard's mode"));
			case PROVIDER -> modes.withProvider(setting.owner(), mode);
			case BUDGET -> modes.withBudget(setting.owner(), mode);
			case TOOL -> modes.withTool(setting.owner(), mode);
			case MODEL -> throw new IllegalStateException("a model has no mode of its own");
		};
	}

	private static boolean under(String name, String prefix) {
		return name.equals(prefix) || name.startsWith(prefix + ".");
	}

	private static String normalizeTarget(String target) {
		String plain = target.trim();
		if (plain.startsWith("llm.guard.")) {
			plain = plain.substring("llm.guard.".length());
		}
		return plain.replace("[", ".").replace("]", "").replace("..", ".");
	}

	/** Every setting that can change at runtime, by name, with its configured value ({@code null}: none). */
	static Map<String, String> configuredValues(GuardSettings settings) {
		Map<String, String> values = new TreeMap<>();
		GuardModes modes = settings.modes();
		values.put(LimitSetting.MODE, modeName(modes.global()));
		for (ProviderSpec provider : settings.providers().values()) {
			values.put("providers." + provider.name() + ".mode", ownMode(modes.providers(), provider.name()));
			rateLimits(values, "providers." + provider.name() + ".", provider.limits());
			values.put("providers." + provider.name() + ".max-concurrent",
					(provider.maxConcurrent() != null) ? provider.maxConcurrent().toString() : null);
			for (ModelSpec model : provider.models().values()) {
				rateLimits(values, "providers." + provider.name() + ".models." + model.ref().model() + ".",
						model.limits());
			}
		}
		for (BudgetSpec budget : settings.budgets().values()) {
			String prefix = "budgets." + budget.name() + ".";
			values.put(prefix + "max-cost",
					(budget.maxCost() != null) ? budget.maxCost().stripTrailingZeros().toPlainString() : null);
			values.put(prefix + "max-tokens", (budget.maxTokens() != null) ? budget.maxTokens().toString() : null);
			values.put(prefix + "warn-at", BigDecimal.valueOf(budget.warnAt()).stripTrailingZeros().toPlainString());
			values.put(prefix + "mode", ownMode(modes.budgets(), budget.name()));
		}
		for (ToolSpec tool : settings.tools().values()) {
			values.put("tools." + tool.name() + ".limit", Long.toString(tool.limit()));
			values.put("tools." + tool.name() + ".mode", ownMode(modes.tools(), tool.name()));
		}
		return values;
	}

	/** A provider's, budget's or tool's own mode; {@code null} when it follows {@code llm.guard.mode}. */
	private static String ownMode(Map<String, GuardMode> modes, String name) {
		GuardMode mode = modes.get(name);
		return (mode != null) ? modeName(mode) : null;
	}

	private static void rateLimits(Map<String, String> values, String prefix, RateLimits limits) {
		Long[] declared = { limits.requestsPerMinute(), limits.tokensPerMinute(), limits.inputTokensPerMinute(),
				limits.outputTokensPerMinute(), limits.requestsPerDay(), limits.tokensPerDay() };
		for (int i = 0; i < declared.length; i++) {
			values.put(prefix + LimitSetting.RATE_LIMITS.get(i), (declared[i] != null) ? declared[i].toString() : null);
		}
	}

}

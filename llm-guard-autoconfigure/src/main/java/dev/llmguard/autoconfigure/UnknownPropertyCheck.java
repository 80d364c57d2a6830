package dev.llmguard.autoconfigure;

import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName.Form;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.IterableConfigurationPropertySource;
import org.springframework.core.env.Environment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/**
 * Finds keys under the named maps of {@code llm.guard.*} (providers, models, chains, budgets, tools)
 * that bind to nothing. Spring Boot silently drops them, and the usual cause is a name with a dot
 * written without brackets: {@code models.gpt-4.1.input-price} instead of
 * {@code models.[gpt-4.1].input-price}, in YAML as well.
 */
final class UnknownPropertyCheck {

	private static final ConfigurationPropertyName ROOT = ConfigurationPropertyName.of("llm.guard");

	private static final Set<String> LIMITS = Set.of("requests-per-minute", "tokens-per-minute",
			"input-tokens-per-minute", "output-tokens-per-minute", "requests-per-day", "tokens-per-day");

	private static final Set<String> PROVIDER = union(LIMITS, "base-url", "chat-model", "max-concurrent",
			"max-wait", "guard-other-requests", "models");

	private static final Set<String> MODEL = union(LIMITS, "input-price", "cached-input-price", "cache-write-price", "output-price",
			"context-window", "max-output-tokens");

	private static final Set<String> CHAIN = Set.of("models", "cooldown", "fallback-response");

	private static final Set<String> BUDGET = Set.of("scope", "period", "max-cost", "max-tokens", "warn-at",
			"on-exceeded");

	private static final Set<String> TOOL = Set.of("limit", "window", "fallback-response");

	private UnknownPropertyCheck() {
	}

	/**
	 * Checks the environment's property sources (environment variables excepted: their names
	 * cannot be mapped back reliably).
	 * @param environment the environment
	 * @throws InvalidLlmGuardConfigurationException for the first key that binds to nothing
	 */
	static void check(Environment environment) {
		for (ConfigurationPropertySource source : ConfigurationPropertySources.get(environment)) {
			if (source instanceof IterableConfigurationPropertySource iterable
					&& !(source.getUnderlyingSource() instanceof SystemEnvironmentPropertySource)) {
				try (Stream<ConfigurationPropertyName> names = iterable.stream()) {
					names.filter(ROOT::isAncestorOf).forEach((name) -> check(name, iterable));
				}
			}
		}
	}

	private static void check(ConfigurationPropertyName name, ConfigurationPropertySource source) {
		try {
			check(name);
		}
		catch (InvalidLlmGuardConfigurationException ex) {
			ConfigurationProperty property = source.getConfigurationProperty(name);
			throw new InvalidLlmGuardConfigurationException(ex.getKey(),
					(property != null) ? property.getValue() : null, ex.getProblem(), ex.getAction());
		}
	}

	private static void check(ConfigurationPropertyName name) {
		String map = name.getElement(2, Form.DASHED);
		switch (map) {
			case "providers" -> {
				if (name.getNumberOfElements() > 5 && "models".equals(name.getElement(4, Form.DASHED))) {
					checkEntry(name, 5, MODEL, "model");
				}
				else {
					checkEntry(name, 3, PROVIDER, "provider");
				}
			}
			case "chains" -> checkEntry(name, 3, CHAIN, "chain");
			case "budgets" -> checkEntry(name, 3, BUDGET, "budget");
			case "tools" -> checkEntry(name, 3, TOOL, "tool");
			default -> {
			}
		}
	}

	// Expected shape: <map>.<entry>.<property>, or <map>.<entry> alone (an empty entry); the models
	// of a provider and of a chain go deeper and are checked on their own.
	private static void checkEntry(ConfigurationPropertyName name, int entryIndex, Set<String> properties,
			String what) {
		int elements = name.getNumberOfElements();
		if (elements <= entryIndex + 1) {
			return;
		}
		String property = name.getElement(entryIndex + 1, Form.UNIFORM);
		if (elements == entryIndex + 2 && known(properties, property)) {
			return;
		}
		if (properties == CHAIN && "models".equals(property)) {
			return; // models[0], models[1], ...
		}
		String entry = name.getElement(entryIndex, Form.ORIGINAL);
		String last = name.getElement(elements - 1, Form.UNIFORM);
		String mapPrefix = IntStream.range(0, entryIndex)
			.mapToObj((i) -> name.getElement(i, Form.ORIGINAL))
			.collect(Collectors.joining("."));
		String allowed = String.join(", ", properties.stream().sorted().toList());
		if (elements > entryIndex + 2 && known(properties, last)) {
			String dotted = IntStream.range(entryIndex, elements - 1)
				.mapToObj((i) -> name.getElement(i, Form.ORIGINAL))
				.collect(Collectors.joining("."));
			throw new InvalidLlmGuardConfigurationException(name.toString(), null,
					"this key binds to nothing: Spring Boot reads '" + entry + "' as the " + what
							+ " name and drops the rest, because the name '" + dotted + "' contains a dot",
					"Write the " + what + " name in brackets: " + mapPrefix + ".[" + dotted + "]."
							+ dashed(properties, last)
							+ " (in YAML quote the key: \"[" + dotted + "]\":).");
		}
		throw new InvalidLlmGuardConfigurationException(name.toString(), null,
				"'" + name.getElement(entryIndex + 1, Form.ORIGINAL) + "' is not a property of a " + what + ", so the key binds to nothing",
				"Check the spelling; the properties of a " + what + " are: " + allowed + ".");
	}

	// Compared in Boot's uniform form, so camelCase and kebab-case spellings both count.
	private static boolean known(Set<String> properties, String uniformProperty) {
		return properties.stream().anyMatch((property) -> property.replace("-", "").equals(uniformProperty));
	}

	private static String dashed(Set<String> properties, String uniformProperty) {
		return properties.stream()
			.filter((property) -> property.replace("-", "").equals(uniformProperty))
			.findFirst()
			.orElse(uniformProperty);
	}

	private static Set<String> union(Set<String> base, String... more) {
		return Stream.concat(base.stream(), Stream.of(more)).collect(Collectors.toUnmodifiableSet());
	}

}

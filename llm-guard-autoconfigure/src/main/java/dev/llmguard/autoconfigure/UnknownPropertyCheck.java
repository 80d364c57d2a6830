package dev.llmguard.autoconfigure;

import java.util.Comparator;
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
 * Finds keys under {@code llm.guard.*} that bind to nothing. Spring Boot silently drops them, so a
 * typo ({@code llm.guard.budget} for {@code budgets}, {@code headrom}, {@code retry.max-attempt})
 * would quietly leave a limit or a budget off. The known keys are read from
 * {@link LlmGuardProperties} and its nested classes ({@link PropertyTree}); names are compared in
 * Boot's uniform form, so kebab-case, camelCase and underscore spellings all count. A frequent cause
 * inside the named maps is a name with a dot written without brackets:
 * {@code models.gpt-4.1.input-price} instead of {@code models.[gpt-4.1].input-price}, in YAML as well.
 */
final class UnknownPropertyCheck {

	private static final ConfigurationPropertyName ROOT = ConfigurationPropertyName.of("llm.guard");

	private static final PropertyTree.Bean PROPERTIES = PropertyTree.of(LlmGuardProperties.class);

	private UnknownPropertyCheck() {
	}

	/**
	 * Checks the environment's property sources. Environment variables are left out: their names
	 * cannot be mapped back to one key reliably, and {@code LLM_GUARD_*} variables may belong to the
	 * application.
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
			walk(name, ROOT.getNumberOfElements(), PROPERTIES, null);
		}
		catch (InvalidLlmGuardConfigurationException ex) {
			ConfigurationProperty property = source.getConfigurationProperty(name);
			throw new InvalidLlmGuardConfigurationException(ex.getKey(),
					(property != null) ? property.getValue() : null, ex.getProblem(), ex.getAction());
		}
	}

	/**
	 * Follows the key's elements down the tree from element {@code index}.
	 * @param entry the entry of a named map the node belongs to, or {@code null} outside one
	 */
	private static void walk(ConfigurationPropertyName name, int index, PropertyTree node, Entry entry) {
		if (index >= name.getNumberOfElements()) {
			return; // a value, or an empty object, map or list
		}
		if (node instanceof PropertyTree.Bean bean) {
			PropertyTree.Property property = bean.property(name.getElement(index, Form.UNIFORM));
			if (property == null) {
				throw unknown(name, index, bean, entry);
			}
			Entry inner = (property.tree() instanceof PropertyTree.Named)
					? new Entry(singular(property.name()), index + 1) : null;
			walk(name, index + 1, property.tree(), inner);
		}
		else if (node instanceof PropertyTree.Named map) {
			if (!(map.entry() instanceof PropertyTree.Value)) {
				walk(name, index + 1, map.entry(), entry);
			} // a map of values takes keys with dots as they are
		}
		else if (node instanceof PropertyTree.Indexed list && name.isNumericIndex(index)) {
			walk(name, index + 1, list.element(), null);
		}
		else {
			String key = name.chop(index).toString();
			throw new InvalidLlmGuardConfigurationException(name.toString(), null,
					"'" + key + "' takes " + ((node instanceof PropertyTree.Indexed) ? "a list" : "a single value")
							+ ", so the key binds to nothing",
					"Set " + key + " itself, or check the spelling of the key.");
		}
	}

	private static InvalidLlmGuardConfigurationException unknown(ConfigurationPropertyName name, int index,
			PropertyTree.Bean bean, Entry entry) {
		int elements = name.getNumberOfElements();
		String last = name.getElement(elements - 1, Form.UNIFORM);
		if (entry != null && index == entry.index() + 1 && elements > index + 1 && bean.property(last) != null) {
			// models.gpt-4.1.input-price: Boot read 'gpt-4' as the name and '1' as its property
			String mapPrefix = join(name, 0, entry.index());
			String dotted = join(name, entry.index(), elements - 1);
			return new InvalidLlmGuardConfigurationException(name.toString(), null,
					"this key binds to nothing: Spring Boot reads '" + name.getElement(entry.index(), Form.ORIGINAL)
							+ "' as the " + entry.what() + " name and drops the rest, because the name '" + dotted
							+ "' contains a dot",
					"Write the " + entry.what() + " name in brackets: " + mapPrefix + ".[" + dotted + "]."
							+ bean.property(last).name() + " (in YAML quote the key: \"[" + dotted + "]\":).");
		}
		String what = (entry != null && index == entry.index() + 1) ? "a " + entry.what()
				: name.chop(index).toString();
		String given = name.getElement(index, Form.ORIGINAL);
		String closest = closest(bean, name.getElement(index, Form.UNIFORM));
		String allowed = bean.properties()
			.values()
			.stream()
			.map(PropertyTree.Property::name)
			.sorted()
			.collect(Collectors.joining(", "));
		String suggestion = (closest != null) ? ": did you mean " + replace(name, index, closest) + "? The"
				: "; the";
		return new InvalidLlmGuardConfigurationException(name.toString(), null,
				"'" + given + "' is not a property of " + what + ", so the key binds to nothing",
				"Check the spelling" + suggestion + " properties of " + what + " are: " + allowed + ".");
	}

	// The known name nearest to the given one, if it is near enough to be a typo of it.
	private static String closest(PropertyTree.Bean bean, String uniform) {
		return bean.properties()
			.entrySet()
			.stream()
			.map((known) -> new Candidate(known.getValue().name(), distance(uniform, known.getKey())))
			.filter((candidate) -> candidate.distance() <= Math.max(2, uniform.length() / 3))
			.min(Comparator.comparingInt(Candidate::distance).thenComparing(Candidate::name))
			.map(Candidate::name)
			.orElse(null);
	}

	// Levenshtein distance: insertions, deletions and substitutions.
	private static int distance(String a, String b) {
		int[] previous = IntStream.rangeClosed(0, b.length()).toArray();
		for (int i = 1; i <= a.length(); i++) {
			int[] current = new int[b.length() + 1];
			current[0] = i;
			for (int j = 1; j <= b.length(); j++) {
				int substitution = previous[j - 1] + ((a.charAt(i - 1) == b.charAt(j - 1)) ? 0 : 1);
				current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
			}
			previous = current;
		}
		return previous[b.length()];
	}

	private static String replace(ConfigurationPropertyName name, int index, String element) {
		ConfigurationPropertyName replaced = name.chop(index).append(element);
		return (index + 1 < name.getNumberOfElements()) ? replaced.append(name.subName(index + 1)).toString()
				: replaced.toString();
	}

	private static String join(ConfigurationPropertyName name, int from, int to) {
		return IntStream.range(from, to)
			.mapToObj((i) -> name.getElement(i, Form.ORIGINAL))
			.collect(Collectors.joining("."));
	}

	// providers -> provider, models -> model: what one entry of a named map is called in messages.
	private static String singular(String map) {
		return map.endsWith("s") ? map.substring(0, map.length() - 1) : map;
	}

	/**
	 * An entry of a named map.
	 * @param what what an entry is called, e.g. {@code provider}
	 * @param index the index of the entry's name among the key's elements
	 */
	private record Entry(String what, int index) {
	}

	private record Candidate(String name, int distance) {
	}

}

package dev.llmguard.autoconfigure;

import java.beans.PropertyDescriptor;
import java.lang.reflect.Method;
import java.util.Collection;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

import org.springframework.beans.BeanUtils;
import org.springframework.boot.context.properties.bind.DataObjectPropertyName;
import org.springframework.core.ResolvableType;
import org.springframework.util.ClassUtils;

/**
 * The shape of a properties class as Spring Boot binds it, read from the class itself: its bean
 * properties, and for each whether it holds one value, a nested object, a map by name or a list. It
 * tells {@link UnknownPropertyCheck} which keys exist, so a property added to a class is known
 * without being listed anywhere else.
 */
sealed interface PropertyTree {

	/**
	 * The tree of a properties class.
	 * @param type a JavaBean-style class such as {@link LlmGuardProperties}
	 * @return its tree
	 */
	static PropertyTree.Bean of(Class<?> type) {
		return bean(ResolvableType.forClass(type), 0);
	}

	private static PropertyTree of(ResolvableType type, int depth) {
		Class<?> resolved = type.resolve(Object.class);
		if (Map.class.isAssignableFrom(resolved)) {
			return new Named(of(type.asMap().getGeneric(1), depth + 1));
		}
		if (Collection.class.isAssignableFrom(resolved)) {
			return new Indexed(of(type.asCollection().getGeneric(0), depth + 1));
		}
		if (resolved.isArray()) {
			return new Indexed(of(type.getComponentType(), depth + 1));
		}
		if (isValue(resolved) || depth > 8) {
			return Value.INSTANCE;
		}
		return bean(type, depth);
	}

	private static Bean bean(ResolvableType type, int depth) {
		Class<?> resolved = type.resolve(Object.class);
		Map<String, Property> properties = new TreeMap<>();
		for (PropertyDescriptor descriptor : BeanUtils.getPropertyDescriptors(resolved)) {
			Method read = descriptor.getReadMethod();
			Method write = descriptor.getWriteMethod();
			if ("class".equals(descriptor.getName()) || (read == null && write == null)) {
				continue;
			}
			ResolvableType propertyType = (read != null) ? ResolvableType.forMethodReturnType(read, resolved)
					: ResolvableType.forMethodParameter(write, 0, resolved);
			String dashed = DataObjectPropertyName.toDashedForm(descriptor.getName());
			properties.put(uniform(dashed), new Property(dashed, of(propertyType, depth + 1)));
		}
		return new Bean(Collections.unmodifiableMap(properties));
	}

	// What Boot converts from one string: numbers, text, enums, java.time, java.math and the like.
	private static boolean isValue(Class<?> type) {
		return ClassUtils.isPrimitiveOrWrapper(type) || type.isEnum() || CharSequence.class.isAssignableFrom(type)
				|| type.getName().startsWith("java.") || type.getName().startsWith("javax.")
				|| type == Object.class;
	}

	/**
	 * A name in Boot's uniform form (lower case, letters and digits only), in which kebab-case,
	 * camelCase and underscore spellings of one property are equal.
	 * @param name a name in any of those forms
	 * @return its uniform form
	 */
	static String uniform(String name) {
		StringBuilder uniform = new StringBuilder(name.length());
		for (int i = 0; i < name.length(); i++) {
			char c = name.charAt(i);
			if (Character.isLetterOrDigit(c)) {
				uniform.append(Character.toLowerCase(c));
			}
		}
		return uniform.toString();
	}

	/** One value: a number, a text, a duration, an enum constant, ... */
	enum Value implements PropertyTree {

		/** The only value node: values have no inner structure. */
		INSTANCE

	}

	/**
	 * An object with named properties.
	 * @param properties by name in uniform form
	 */
	record Bean(Map<String, Property> properties) implements PropertyTree {

		/** @return the property of that name in any relaxed form, or {@code null} */
		Property property(String name) {
			return this.properties.get(uniform(name));
		}

	}

	/**
	 * A map whose keys are names the user chooses (providers, models, chains, ...).
	 * @param entry what each entry holds
	 */
	record Named(PropertyTree entry) implements PropertyTree {
	}

	/**
	 * A list, written as {@code key[0]}, {@code key[1]} or as one comma-separated value.
	 * @param element what each element holds
	 */
	record Indexed(PropertyTree element) implements PropertyTree {
	}

	/**
	 * A property of a {@link Bean}.
	 * @param name its name in kebab case, as documented
	 * @param tree what it holds
	 */
	record Property(String name, PropertyTree tree) {
	}

}

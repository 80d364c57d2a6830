package dev.llmguard.annotation;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

import org.springframework.util.ReflectionUtils;

/**
 * Finds the {@link RateLimitedLlm#fallbackMethod() fallbackMethod} of a guarded method, the way
 * Resilience4j does: a method of the same bean, with the guarded method's parameters, optionally
 * followed by one exception parameter; several variants with different exception types may exist
 * and the most specific one that matches the failure is called. Its return type must fit the guarded
 * method's: the same type, or for {@code CompletionStage}, {@code Mono} and {@code Flux} methods
 * either that async type or a plain value that is wrapped.
 */
public final class FallbackMethodResolver {

	private FallbackMethodResolver() {
	}

	/**
	 * Checks that a guarded method's fallback method exists with a usable signature, for start-up
	 * validation.
	 * @param beanClass the class of the bean (user class, not a proxy)
	 * @param method the guarded method
	 * @param fallbackMethodName the annotation's {@code fallbackMethod}; blank means none
	 * @throws IllegalStateException when no usable method of that name exists, naming what was found
	 * and what is expected
	 * @throws IllegalArgumentException when the guarded method's return type cannot be guarded
	 */
	public static void validate(Class<?> beanClass, Method method, String fallbackMethodName) {
		resolve(beanClass, method, fallbackMethodName);
	}

	/**
	 * @return the fallback method, or {@code null} when the name is blank
	 */
	static FallbackMethod resolve(Class<?> beanClass, Method method, String name) {
		if (name == null || name.isBlank()) {
			return null;
		}
		ReturnKind kind = ReturnKind.of(method);
		Class<?>[] parameters = method.getParameterTypes();
		Method[] named = ReflectionUtils.getUniqueDeclaredMethods(beanClass,
				m -> m.getName().equals(name) && !m.isBridge() && !m.isSynthetic());
		Method plain = null;
		List<Method> withException = new ArrayList<>();
		for (Method candidate : named) {
			Class<?>[] types = candidate.getParameterTypes();
			if (!kind.acceptsFallback(method, candidate.getReturnType())) {
				continue;
			}
			if (Arrays.equals(types, parameters)) {
				plain = candidate;
			}
			else if (types.length == parameters.length + 1
					&& Arrays.equals(Arrays.copyOf(types, parameters.length), parameters)
					&& Throwable.class.isAssignableFrom(types[parameters.length])) {
				withException.add(candidate);
			}
		}
		if (plain == null && withException.isEmpty()) {
			throw new IllegalStateException(notFound(beanClass, method, name, named));
		}
		return new FallbackMethod(plain, withException);
	}

	private static String notFound(Class<?> beanClass, Method method, String name, Method[] found) {
		String params = Methods.parameters(method.getParameterTypes());
		String withException = (method.getParameterCount() == 0) ? "(<exception>)"
				: params.substring(0, params.length() - 1) + ", <exception>)";
		String returns = method.getGenericReturnType().getTypeName();
		StringBuilder message = new StringBuilder("@RateLimitedLlm(fallbackMethod = \"").append(name)
			.append("\") on ")
			.append(Methods.describe(method))
			.append(": ")
			.append(beanClass.getSimpleName())
			.append(" needs a method ")
			.append(name)
			.append(params)
			.append(" or ")
			.append(name)
			.append(withException)
			.append(" returning ")
			.append(returns);
		if (ReturnKind.of(method).isAsync()) {
			message.append(" (or its value type)");
		}
		if (found.length == 0) {
			message.append("; there is no method named '").append(name).append("'");
		}
		else {
			message.append("; found ")
				.append(Arrays.stream(found)
					.map(m -> m.getReturnType().getSimpleName() + " " + m.getName()
							+ Methods.parameters(m.getParameterTypes()))
					.collect(Collectors.joining(", ")));
		}
		return message.toString();
	}

}

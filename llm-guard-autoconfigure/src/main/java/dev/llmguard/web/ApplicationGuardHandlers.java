package dev.llmguard.web;

import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.stream.Stream;

import org.springframework.context.ApplicationContext;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ExceptionHandler;

import dev.llmguard.core.LlmGuardException;

/**
 * Whether the application's own {@code @ControllerAdvice} beans declare an {@code @ExceptionHandler}
 * for a guard exception: then their handlers must come first.
 */
final class ApplicationGuardHandlers {

	private ApplicationGuardHandlers() {
	}

	static boolean declared(ApplicationContext context) {
		for (String name : context.getBeanNamesForAnnotation(ControllerAdvice.class)) {
			Class<?> type = context.getType(name, false);
			if (type != null && !LlmGuardExceptionHandler.class.isAssignableFrom(type)
					&& declaresGuardHandler(ClassUtils.getUserClass(type))) {
				return true;
			}
		}
		return false;
	}

	private static boolean declaresGuardHandler(Class<?> type) {
		for (Method method : ReflectionUtils.getUniqueDeclaredMethods(type)) {
			ExceptionHandler handler = AnnotatedElementUtils.findMergedAnnotation(method, ExceptionHandler.class);
			if (handler != null && handledTypes(method, handler).anyMatch(LlmGuardException.class::isAssignableFrom)) {
				return true;
			}
		}
		return false;
	}

	// As Spring reads them: the annotation's types, else the method's Throwable parameters.
	private static Stream<Class<?>> handledTypes(Method method, ExceptionHandler handler) {
		if (handler.value().length > 0) {
			return Arrays.stream(handler.value());
		}
		return Arrays.stream(method.getParameterTypes()).filter(Throwable.class::isAssignableFrom);
	}

}

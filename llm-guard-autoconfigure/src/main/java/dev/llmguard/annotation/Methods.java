package dev.llmguard.annotation;

import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.stream.Collectors;

/** Names methods in messages the way a developer finds them: {@code AnswerService.answer(String, int)}. */
final class Methods {

	private Methods() {
	}

	static String describe(Method method) {
		return method.getDeclaringClass().getSimpleName() + "." + method.getName() + parameters(method.getParameterTypes());
	}

	static String parameters(Class<?>... types) {
		return Arrays.stream(types).map(Class::getSimpleName).collect(Collectors.joining(", ", "(", ")"));
	}

}

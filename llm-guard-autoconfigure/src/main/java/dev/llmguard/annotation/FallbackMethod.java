package dev.llmguard.annotation;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.List;

import org.springframework.util.ReflectionUtils;

import dev.llmguard.core.LlmGuardException;

/**
 * The resolved variants of one fallback method: without an exception parameter (taken for the
 * guard's own rejections) and with one (taken for failures of that type).
 */
final class FallbackMethod {

	private final Method plain;

	private final List<Method> withException;

	FallbackMethod(Method plain, List<Method> withException) {
		this.plain = plain;
		this.withException = List.copyOf(withException);
		if (plain != null) {
			ReflectionUtils.makeAccessible(plain);
		}
		this.withException.forEach(ReflectionUtils::makeAccessible);
	}

	/** Whether this fallback answers for the failure. */
	boolean handles(Throwable error) {
		return mostSpecific(error) != null || (this.plain != null && error instanceof LlmGuardException);
	}

	/**
	 * Calls the variant that fits the failure best.
	 * @return what the fallback method returned
	 * @throws Throwable the failure when no variant takes it, or what the fallback method threw
	 */
	Object invoke(Object target, Object[] args, Throwable error) throws Throwable {
		Method method = mostSpecific(error);
		Object[] arguments = args;
		if (method != null) {
			arguments = Arrays.copyOf(args, args.length + 1);
			arguments[args.length] = error;
		}
		else if (this.plain != null && error instanceof LlmGuardException) {
			method = this.plain;
		}
		else {
			throw error;
		}
		try {
			return method.invoke(target, arguments);
		}
		catch (InvocationTargetException ex) {
			throw ex.getTargetException();
		}
	}

	/** The variant whose exception parameter is the closest supertype of the failure, or {@code null}. */
	private Method mostSpecific(Throwable error) {
		Method best = null;
		Class<?> bestType = null;
		for (Method candidate : this.withException) {
			Class<?> type = candidate.getParameterTypes()[candidate.getParameterCount() - 1];
			if (type.isInstance(error) && (bestType == null || bestType.isAssignableFrom(type))) {
				best = candidate;
				bestType = type;
			}
		}
		return best;
	}

}

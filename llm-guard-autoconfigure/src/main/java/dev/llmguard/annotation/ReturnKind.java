package dev.llmguard.annotation;

import java.lang.reflect.Method;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.springframework.core.ResolvableType;
import org.springframework.util.ClassUtils;

import dev.llmguard.reactive.ReactiveSupport;

/** How a guarded method returns its result, which decides how the call is driven and settled. */
enum ReturnKind {

	/** A plain value, returned when the call is done. */
	SYNC,

	/** A {@code CompletionStage} or {@code CompletableFuture}. */
	COMPLETION_STAGE,

	/** A Reactor {@code Mono}. */
	MONO,

	/** A Reactor {@code Flux}, guarded as a stream. */
	FLUX;

	// Reactor is optional: reactive support is only touched when it is on the class path
	static final boolean REACTOR_PRESENT = ClassUtils.isPresent("reactor.core.publisher.Flux",
			ReturnKind.class.getClassLoader());

	/**
	 * @throws IllegalArgumentException for a {@code CompletionStage} type the guard cannot return
	 */
	static ReturnKind of(Method method) {
		Class<?> type = method.getReturnType();
		if (CompletionStage.class.isAssignableFrom(type)) {
			if (!type.isAssignableFrom(CompletableFuture.class)) {
				throw new IllegalArgumentException("@RateLimitedLlm on " + Methods.describe(method) + " returns "
						+ type.getSimpleName() + ": declare CompletionStage or CompletableFuture instead");
			}
			return COMPLETION_STAGE;
		}
		if (REACTOR_PRESENT) {
			ReturnKind reactive = reactiveKind(type);
			if (reactive != null) {
				return reactive;
			}
		}
		return SYNC;
	}

	private static ReturnKind reactiveKind(Class<?> type) {
		ReactiveSupport.Kind kind = ReactiveSupport.kindOf(type);
		if (kind == null) {
			return null;
		}
		return (kind == ReactiveSupport.Kind.MONO) ? MONO : FLUX;
	}

	boolean isAsync() {
		return this != SYNC;
	}

	ReactiveSupport.Kind reactive() {
		return (this == MONO) ? ReactiveSupport.Kind.MONO : ReactiveSupport.Kind.FLUX;
	}

	/** The type of the value the method produces: the return type, or the element of an async type. */
	ResolvableType valueType(Method method) {
		ResolvableType type = ResolvableType.forMethodReturnType(method);
		return (this == SYNC) ? type : type.getGeneric(0);
	}

	/** Whether a fallback method's return type can stand for this method's result. */
	boolean acceptsFallback(Method method, Class<?> fallbackType) {
		if (this == SYNC) {
			Class<?> declared = method.getReturnType();
			return (declared == void.class) ? fallbackType == void.class : ClassUtils.isAssignable(declared, fallbackType);
		}
		if (this == COMPLETION_STAGE && CompletionStage.class.isAssignableFrom(fallbackType)) {
			return true;
		}
		if (this == MONO || this == FLUX) {
			ReturnKind kind = reactiveKind(fallbackType);
			if (kind != null) {
				return kind == MONO || this == FLUX;
			}
		}
		// a plain value, wrapped
		Class<?> value = valueType(method).resolve(Object.class);
		return fallbackType != void.class && ClassUtils.isAssignable(value, fallbackType);
	}

}

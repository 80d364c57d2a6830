package dev.llmguard.reactive;

import java.util.Objects;
import java.util.function.Predicate;

import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import dev.llmguard.core.CallRequest;
import dev.llmguard.core.FallbackResponseMapper;
import dev.llmguard.core.GuardedOperation;
import dev.llmguard.core.LlmGuardEngine;

/**
 * The bridge through which code that must load without Reactor (the {@code @RateLimitedLlm} aspect)
 * guards {@code Mono} and {@code Flux} results: its signatures use no Reactor type, so callers only
 * load this class after checking that Reactor is on the class path.
 */
public final class ReactiveSupport {

	private ReactiveSupport() {
	}

	/** Which reactive type a method returns. */
	public enum Kind {

		/** {@code Mono}: at most one value. */
		MONO,

		/** {@code Flux}: a stream. */
		FLUX

	}

	/** Answers for a failed call. */
	@FunctionalInterface
	public interface Fallback {

		/**
		 * @param error the failure
		 * @return a publisher, a plain value (wrapped) or {@code null} (empty)
		 * @throws Throwable to fail with
		 */
		Object answer(Throwable error) throws Throwable;

	}

	/**
	 * @param type a method's return type
	 * @return its reactive kind, or {@code null} when it is neither {@code Mono} nor {@code Flux} (a
	 * subtype could not be returned in their place)
	 */
	public static Kind kindOf(Class<?> type) {
		if (type == Mono.class) {
			return Kind.MONO;
		}
		if (type == Flux.class) {
			return Kind.FLUX;
		}
		return null;
	}

	/**
	 * Guards a call whose operation returns a {@code Mono} or {@code Flux}.
	 * @param kind what the operation returns
	 * @param operation the provider call; must answer a publisher of that kind
	 * @return the guarded {@code Mono} or {@code Flux}
	 */
	@SuppressWarnings("unchecked")
	public static Object guard(Kind kind, LlmGuardEngine engine, CallRequest request,
			GuardedOperation<Object> operation, FallbackResponseMapper<Object> fallback, ChunkReader reader) {
		StreamOperation<Object> stream = context -> (Publisher<Object>) Objects
			.requireNonNull(operation.call(context), "the guarded method returned null instead of a publisher");
		return (kind == Kind.MONO) ? GuardedFlux.mono(engine, request, stream, fallback, reader)
				: GuardedFlux.flux(engine, request, stream, fallback, reader);
	}

	/**
	 * Resumes a guarded publisher with a fallback when it fails with an error the fallback handles.
	 * @param kind the publisher's kind
	 * @param publisher the guarded {@code Mono} or {@code Flux}
	 * @param handles which errors the fallback takes
	 * @param fallback answers a publisher, a plain value (wrapped) or {@code null} (empty)
	 * @return the publisher with the fallback
	 */
	@SuppressWarnings("unchecked")
	public static Object onErrorResume(Kind kind, Object publisher, Predicate<Throwable> handles,
			Fallback fallback) {
		if (kind == Kind.MONO) {
			return ((Mono<Object>) publisher).onErrorResume(handles, error -> Mono.defer(() -> {
				try {
					return toMono(fallback.answer(error));
				}
				catch (Throwable ex) {
					return Mono.error(ex);
				}
			}));
		}
		return ((Flux<Object>) publisher).onErrorResume(handles, error -> Flux.defer(() -> {
			try {
				return toFlux(fallback.answer(error));
			}
			catch (Throwable ex) {
				return Flux.error(ex);
			}
		}));
	}

	@SuppressWarnings("unchecked")
	private static Mono<Object> toMono(Object value) {
		if (value instanceof Publisher<?> publisher) {
			return Mono.from((Publisher<Object>) publisher);
		}
		return Mono.justOrEmpty(value);
	}

	@SuppressWarnings("unchecked")
	private static Flux<Object> toFlux(Object value) {
		if (value instanceof Publisher<?> publisher) {
			return Flux.from((Publisher<Object>) publisher);
		}
		return (value != null) ? Flux.just(value) : Flux.empty();
	}

}

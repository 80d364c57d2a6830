package dev.llmguard.reactive;

import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.util.context.ContextView;

import dev.llmguard.core.Attempt;
import dev.llmguard.core.CallRequest;
import dev.llmguard.core.Decision;
import dev.llmguard.core.FallbackResponseMapper;
import dev.llmguard.core.GuardedCall;
import dev.llmguard.core.LlmGuardContext;
import dev.llmguard.core.LlmGuardEngine;
import dev.llmguard.core.ObservedCall;

/**
 * Guards reactive provider calls with the engine's low-level {@link GuardedCall} steps, without
 * ever blocking the subscribing thread: admission (which may wait for capacity) and retry pauses run
 * on {@link Schedulers#boundedElastic()}.
 * <p>
 * A {@linkplain #flux stream} holds its capacity until it terminates and settles with the usage of
 * the last chunk that reported one (the code may also {@link LlmGuardContext#recordUsage report} it),
 * else with an estimate over the streamed text. A failure before the first element retries or falls
 * over to the next model like a synchronous call; a failure after it settles what was streamed and
 * propagates. A cancelled stream settles what was streamed so far, or gives everything back when
 * nothing was.
 * <p>
 * Each subscription is one guarded call. Inside an admitted call (the thread's
 * {@link LlmGuardContext}, or the Reactor context key {@link #CONTEXT_KEY}) the operation runs at once
 * with the outer call's context: a call is admitted exactly once.
 */
public final class GuardedFlux {

	/**
	 * Key of the admitted call's {@link LlmGuardContext} in the Reactor context of the guarded
	 * publisher, for entry points that run at subscription time (the Spring AI advisor).
	 */
	public static final Object CONTEXT_KEY = LlmGuardContext.class.getName();

	private GuardedFlux() {
	}

	/**
	 * Guards a stream.
	 * @param engine the guard
	 * @param request what is known of the call
	 * @param operation the provider call, invoked once per attempt with the chosen model
	 * @param fallback maps the chain's (or tool's) fallback response to one element, or answers
	 * {@code null}
	 * @param reader reads text and usage of the elements
	 * @return the guarded stream
	 */
	public static <T> Flux<T> flux(LlmGuardEngine engine, CallRequest request, StreamOperation<T> operation,
			FallbackResponseMapper<T> fallback, ChunkReader reader) {
		return guard(engine, request, operation, fallback, reader, false);
	}

	/**
	 * Guards one streamed model request, for entry points that see the request itself (the Spring AI
	 * advisor). Alone, it is guarded like {@link #flux}. Inside the call of an annotated method or a
	 * facade operation (the Reactor context's {@link #CONTEXT_KEY}, or the thread's context) it is
	 * admitted, retried and failed over on its own under that call's chain, tenant, session and
	 * priority, so a retry repeats this request, never the method's other work; inside another model
	 * request it runs at once with that context.
	 * @param request the request; inside an enclosing call only its estimated input tokens and max
	 * output tokens are used
	 * @see LlmGuardEngine#executeRequest
	 */
	public static <T> Flux<T> request(LlmGuardEngine engine, CallRequest request, StreamOperation<T> operation,
			FallbackResponseMapper<T> fallback, ChunkReader reader) {
		Objects.requireNonNull(engine, "engine");
		Objects.requireNonNull(request, "request");
		Objects.requireNonNull(operation, "operation");
		return Flux.deferContextual(reactorContext -> {
			LlmGuardContext outer = enclosing(reactorContext);
			ChunkReader chunks = (reader != null) ? reader : ChunkReader.TEXT;
			if (outer == null) {
				return new StreamCall<>(engine, request, operation, (fallback != null) ? fallback
						: FallbackResponseMapper.none(), chunks, false, false, null).start();
			}
			GuardedCall call = engine.requestsOf(outer);
			if (call == null) {
				return call(operation, outer);
			}
			// inside an enclosing call the request answers only the chain's cached last answer for it
			return new StreamCall<>(engine, request, operation, (fallback != null) ? fallback
					: FallbackResponseMapper.none(), chunks, false, false, engine.startRequest(call, request)).start();
		});
	}

	/**
	 * Guards a single-valued call; the value settles like a synchronous result (recorded usage, else
	 * the engine's usage extractors, else an estimate).
	 * @see #flux
	 */
	public static <T> Mono<T> mono(LlmGuardEngine engine, CallRequest request, StreamOperation<T> operation,
			FallbackResponseMapper<T> fallback, ChunkReader reader) {
		return guard(engine, request, operation, fallback, reader, true).singleOrEmpty();
	}

	private static <T> Flux<T> guard(LlmGuardEngine engine, CallRequest request, StreamOperation<T> operation,
			FallbackResponseMapper<T> fallback, ChunkReader reader, boolean single) {
		Objects.requireNonNull(engine, "engine");
		Objects.requireNonNull(request, "request");
		Objects.requireNonNull(operation, "operation");
		return Flux.deferContextual(reactorContext -> {
			LlmGuardContext outer = enclosing(reactorContext);
			if (outer != null) {
				return call(operation, outer);
			}
			// the call of an annotated method: requests made inside through guarded clients run on their own
			return new StreamCall<>(engine, request, operation, (fallback != null) ? fallback
					: FallbackResponseMapper.none(), (reader != null) ? reader : ChunkReader.TEXT, single, true, null)
				.start();
		});
	}

	/** The admitted call a subscription runs in: the Reactor context's, else the thread's, else {@code null}. */
	private static LlmGuardContext enclosing(ContextView reactorContext) {
		return reactorContext.<LlmGuardContext>getOrEmpty(CONTEXT_KEY).orElseGet(LlmGuardContext::find);
	}

	private static <T> Flux<T> call(StreamOperation<T> operation, LlmGuardContext context) {
		try (LlmGuardContext.Scope scope = LlmGuardContext.open(context)) {
			return Flux.from(Objects.requireNonNull(operation.call(context), "the operation returned no publisher"));
		}
		catch (Throwable ex) {
			return Flux.error(ex);
		}
	}

	/**
	 * One subscription of a guarded stream: admission, tries, the decision after a failure and
	 * settlement are the call's steps; a cancelled subscription {@linkplain GuardedCall#cancel cancels
	 * the call}, which accounts for what its current try sent and streamed.
	 */
	private static final class StreamCall<T> {

		private final LlmGuardEngine engine;

		private final CallRequest request;

		private final StreamOperation<T> operation;

		private final FallbackResponseMapper<T> fallback;

		private final ChunkReader reader;

		private final boolean single;

		/** Whether this is the call of an annotated method, whose model requests run on their own. */
		private final boolean wrapsRequests;

		/** Where admission waits, retry pauses and settlements run: the engine's executor, off the caller's threads. */
		private final Scheduler waiting;

		private GuardedCall call;

		StreamCall(LlmGuardEngine engine, CallRequest request, StreamOperation<T> operation,
				FallbackResponseMapper<T> fallback, ChunkReader reader, boolean single, boolean wrapsRequests,
				GuardedCall inside) {
			this.engine = engine;
			this.request = request;
			this.operation = operation;
			this.fallback = fallback;
			this.reader = reader;
			this.single = single;
			this.wrapsRequests = wrapsRequests;
			this.call = inside;
			this.waiting = Schedulers.fromExecutor(engine.asyncExecutor());
		}

		Flux<T> start() {
			if (this.call != null) {
				return admitNext().doOnCancel(this.call::cancel); // a model request inside an enclosing call
			}
			try {
				T answer = (this.request.tool() != null) ? this.engine.toolFallback(this.request.tool(), this.fallback)
						: null;
				if (answer != null) {
					return Flux.just(answer);
				}
			}
			catch (RuntimeException ex) {
				return Flux.error(ex);
			}
			// a stream is observed like a call: the wait, each attempt and the settlement, until it ends
			ObservedCall observed = this.engine.observe(this.request);
			this.call = this.engine.start(this.request, observed, this.wrapsRequests);
			AtomicBoolean stopped = new AtomicBoolean();
			return admitNext().doOnCancel(this.call::cancel).doOnEach(signal -> {
				if ((signal.isOnComplete() || signal.isOnError()) && stopped.compareAndSet(false, true)) {
					observed.stop(signal.getThrowable());
				}
			}).doOnCancel(() -> {
				if (stopped.compareAndSet(false, true)) {
					observed.stop(null);
				}
			});
		}

		private Flux<T> admitNext() {
			return Mono.fromCallable(() -> Optional.ofNullable(this.call.admit()))
				.subscribeOn(this.waiting)
				.flatMapMany(admitted -> admitted.isPresent() ? send(admitted.get()) : exhausted());
		}

		private Flux<T> send(Attempt attempt) {
			return Flux.defer(() -> {
				LlmGuardContext context = attempt.context();
				Publisher<T> source;
				try (ObservedCall.Scope observation = this.call.observed().openScope();
						LlmGuardContext.Scope scope = LlmGuardContext.open(context)) {
					source = Objects.requireNonNull(this.operation.call(context), "the operation returned no publisher");
				}
				catch (Throwable ex) {
					source = Flux.error(ex);
				}
				return Flux.from(source)
					.contextWrite(reactorContext -> reactorContext.put(CONTEXT_KEY, context))
					// before the provider's publisher is subscribed: once it is, the request may be on its way
					.doFirst(() -> this.call.sending(attempt))
					.doOnNext(element -> this.call.streamed(attempt, this.reader.text(element),
							this.reader.usage(element), element))
					// settling may call a shared backend: not on the thread that completed the stream (an I/O thread)
					.concatWith(Mono.<T>fromRunnable(() -> this.call.streamEnded(attempt, this.single))
						.subscribeOn(this.waiting))
					.onErrorResume(error -> failed(attempt, error));
			});
		}

		private Flux<T> failed(Attempt attempt, Throwable error) {
			this.call.returned(attempt);
			if (this.wrapsRequests && this.call.madeRequests()) {
				// each model request was retried and failed over on its own: the method is not run again
				try {
					T answer = this.call.afterRequestsFailed(error, this.fallback);
					return (answer != null) ? Flux.just(answer) : Flux.empty();
				}
				catch (Throwable ex) {
					return Flux.error(ex);
				}
			}
			return Mono.fromCallable(() -> this.call.afterFailure(attempt, error))
				.subscribeOn(this.waiting)
				.flatMapMany(next -> (next instanceof Decision.Raise raise) ? Flux.error(raise.error())
						: (next instanceof Decision.Retry) ? send(attempt) : admitNext());
		}

		private Flux<T> exhausted() {
			try {
				T answer = this.call.exhausted(this.fallback);
				return (answer != null) ? Flux.just(answer) : Flux.empty();
			}
			catch (Throwable ex) {
				return Flux.error(ex);
			}
		}

	}

}

package dev.llmguard.annotation;

import java.lang.reflect.Method;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;

import org.aspectj.lang.ProceedingJoinPoint;
import org.aspectj.lang.annotation.Around;
import org.aspectj.lang.annotation.Aspect;
import org.aspectj.lang.reflect.MethodSignature;
import org.springframework.aop.framework.AopProxyUtils;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.core.DefaultParameterNameDiscoverer;
import org.springframework.core.Ordered;
import org.springframework.core.ParameterNameDiscoverer;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.util.ReflectionUtils;

import dev.llmguard.core.CallRequest;
import dev.llmguard.core.LlmGuardContext;
import dev.llmguard.core.LlmGuardEngine;
import dev.llmguard.core.UsageExtractor;
import dev.llmguard.core.model.Usage;
import dev.llmguard.reactive.ChunkReader;
import dev.llmguard.reactive.ReactiveSupport;
import dev.llmguard.springai.SpringAiUsageExtractor;

/**
 * Guards every call of a {@link RateLimitedLlm} method (or of the methods of a {@code RateLimitedLlm}
 * type; an annotation on the method wins) through the {@link LlmGuardEngine}: plain results are
 * guarded on the calling thread, {@code CompletionStage} results on the engine's executor, and
 * {@code Mono}/{@code Flux} results when subscribed, without blocking the subscriber.
 * <p>
 * Inside a call that is already guarded (a guarded method calling another one) the method runs at
 * once with the outer call's context: a call is admitted exactly once. When the guard rejects the
 * call or every model failed, the annotation's {@link RateLimitedLlm#fallbackMethod() fallbackMethod}
 * answers; a chain's {@code fallback-response} is used before that, inside the engine.
 * <p>
 * The aspect is {@link Ordered}; the order is {@code llm.guard.aspect-order}.
 */
@Aspect
public class RateLimitedLlmAspect implements Ordered, BeanFactoryAware {

	/**
	 * The default order: innermost, so that caching, transactions and the application's own retries
	 * wrap the guarded call rather than run inside its reservation.
	 */
	public static final int DEFAULT_ORDER = Ordered.LOWEST_PRECEDENCE;

	private static final boolean SPRING_AI_PRESENT = SpringAiSupport.isPresent(RateLimitedLlmAspect.class.getClassLoader());

	private final LlmGuardEngine engine;

	private final int order;

	private final List<PromptTextExtractor> extractors;

	private final ParameterNameDiscoverer parameterNames = new DefaultParameterNameDiscoverer();

	// keyed by methods and classes, which are code rather than user input: bounded by the application
	private final Map<MethodKey, GuardedMethod> methods = new ConcurrentHashMap<>();

	private final ChunkReader chunkReader;

	private BeanFactory beanFactory;

	/**
	 * An aspect with the default prompt extractors (strings, and Spring AI prompts when present).
	 * @param engine the guard
	 * @param order the aspect's order, {@code llm.guard.aspect-order}
	 */
	public RateLimitedLlmAspect(LlmGuardEngine engine, int order) {
		this(engine, order, PromptTextExtractor.defaults(RateLimitedLlmAspect.class.getClassLoader()));
	}

	/**
	 * @param engine the guard
	 * @param order the aspect's order, {@code llm.guard.aspect-order}
	 * @param extractors what finds prompt text and max output tokens in arguments, asked in order
	 */
	public RateLimitedLlmAspect(LlmGuardEngine engine, int order, List<PromptTextExtractor> extractors) {
		this.engine = Objects.requireNonNull(engine, "engine");
		this.order = order;
		this.extractors = List.copyOf(extractors);
		this.chunkReader = SPRING_AI_PRESENT ? new SpringAiChunkReader() : ChunkReader.TEXT;
	}

	@Override
	public int getOrder() {
		return this.order;
	}

	/** Lets expressions refer to beans ({@code @tenants.current()}). */
	@Override
	public void setBeanFactory(BeanFactory beanFactory) {
		this.beanFactory = beanFactory;
	}

	/**
	 * Runs one call of a guarded method under the guard.
	 * @param joinPoint the call
	 * @return the method's result, the chain's fallback response, or the fallback method's answer
	 * @throws Throwable the method's own failure, an {@code LlmGuardException}, or an
	 * {@link IllegalArgumentException} for a bad annotation
	 */
	@Around("@annotation(dev.llmguard.annotation.RateLimitedLlm) || @within(dev.llmguard.annotation.RateLimitedLlm)")
	public Object guard(ProceedingJoinPoint joinPoint) throws Throwable {
		if (LlmGuardContext.isActive()) {
			return joinPoint.proceed(); // an inner guarded method: the outer call was admitted already
		}
		Method method = ((MethodSignature) joinPoint.getSignature()).getMethod();
		Object target = joinPoint.getTarget();
		Class<?> targetClass = (target != null) ? AopProxyUtils.ultimateTargetClass(target) : method.getDeclaringClass();
		GuardedMethod guarded = guardedMethod(method, targetClass);
		if (guarded == null) {
			return joinPoint.proceed();
		}
		Object[] args = joinPoint.getArgs();
		CallRequest request = guarded.request(args, this.beanFactory);
		return switch (guarded.kind()) {
			case SYNC -> callSync(joinPoint, guarded, request, target, args);
			case COMPLETION_STAGE -> callAsync(joinPoint, guarded, request, target, args);
			case MONO, FLUX -> callReactive(joinPoint, guarded, request, target, args);
		};
	}

	private Object callSync(ProceedingJoinPoint joinPoint, GuardedMethod guarded, CallRequest request, Object target,
			Object[] args) throws Throwable {
		try {
			return this.engine.execute(request, context -> joinPoint.proceed(), guarded.fallbackResponse());
		}
		catch (Throwable ex) {
			FallbackMethod fallback = guarded.fallbackMethod();
			if (fallback != null && fallback.handles(ex)) {
				return fallback.invoke(target, args, ex);
			}
			throw ex;
		}
	}

	@SuppressWarnings("unchecked")
	private Object callAsync(ProceedingJoinPoint joinPoint, GuardedMethod guarded, CallRequest request, Object target,
			Object[] args) {
		CompletableFuture<Object> result = this.engine.executeAsync(request,
				context -> (CompletionStage<Object>) joinPoint.proceed(), guarded.fallbackResponse());
		FallbackMethod fallback = guarded.fallbackMethod();
		if (fallback == null) {
			return result;
		}
		CompletableFuture<Object> answered = result.exceptionallyCompose(failure -> {
			Throwable error = unwrap(failure);
			if (!fallback.handles(error)) {
				return CompletableFuture.failedFuture(error);
			}
			try {
				Object value = fallback.invoke(target, args, error);
				return (value instanceof CompletionStage<?> stage) ? (CompletionStage<Object>) stage
						: CompletableFuture.completedFuture(value);
			}
			catch (Throwable ex) {
				return CompletableFuture.failedFuture(ex);
			}
		});
		// cancelling what the caller holds must reach the guarded call, which then gives its capacity back
		answered.whenComplete((value, failure) -> {
			if (answered.isCancelled()) {
				result.cancel(true);
			}
		});
		return answered;
	}

	private Object callReactive(ProceedingJoinPoint joinPoint, GuardedMethod guarded, CallRequest request,
			Object target, Object[] args) {
		ReactiveSupport.Kind kind = guarded.kind().reactive();
		Object publisher = ReactiveSupport.guard(kind, this.engine, request, context -> joinPoint.proceed(),
				guarded.fallbackResponse(), this.chunkReader);
		FallbackMethod fallback = guarded.fallbackMethod();
		if (fallback == null) {
			return publisher;
		}
		return ReactiveSupport.onErrorResume(kind, publisher, fallback::handles,
				error -> fallback.invoke(target, args, error));
	}

	private static Throwable unwrap(Throwable failure) {
		Throwable error = failure;
		while ((error instanceof CompletionException || error instanceof ExecutionException) && error.getCause() != null) {
			error = error.getCause();
		}
		return error;
	}

	/**
	 * The guarded method for a call, worked out on its first call.
	 * @return {@code null} for methods of {@code Object} on an annotated type, which are not LLM calls
	 */
	private GuardedMethod guardedMethod(Method method, Class<?> targetClass) {
		MethodKey key = new MethodKey(method, targetClass);
		GuardedMethod guarded = this.methods.get(key);
		if (guarded != null) {
			return guarded;
		}
		Method specific = AopUtils.getMostSpecificMethod(method, targetClass);
		if (ReflectionUtils.isObjectMethod(specific)) {
			return null;
		}
		RateLimitedLlm annotation = AnnotatedElementUtils.findMergedAnnotation(specific, RateLimitedLlm.class);
		if (annotation == null) {
			annotation = AnnotatedElementUtils.findMergedAnnotation(targetClass, RateLimitedLlm.class);
		}
		if (annotation == null) {
			annotation = AnnotatedElementUtils.findMergedAnnotation(method.getDeclaringClass(), RateLimitedLlm.class);
		}
		if (annotation == null) {
			return null;
		}
		// a bad annotation fails here, on every call, and is not cached
		guarded = new GuardedMethod(specific, targetClass, annotation, this.parameterNames, this.extractors);
		GuardedMethod existing = this.methods.putIfAbsent(key, guarded);
		return (existing != null) ? existing : guarded;
	}

	private record MethodKey(Method method, Class<?> targetClass) {
	}

	/** Reads streamed strings and Spring AI chunks: their text, and the usage of the final chunk. */
	private static final class SpringAiChunkReader implements ChunkReader {

		private final UsageExtractor usage = new SpringAiUsageExtractor();

		@Override
		public String text(Object chunk) {
			String text = ChunkReader.super.text(chunk);
			return (text != null) ? text : SpringAiSupport.chunkText(chunk);
		}

		@Override
		public Usage usage(Object chunk) {
			return this.usage.extract(chunk);
		}

	}

}

package dev.llmguard.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Guards every call of a method (or of every public method of a type) as one LLM call: it waits
 * for rate-limit capacity in priority order, reserves budget, retries transient failures, falls
 * back along a chain and settles the real usage.
 *
 * <pre class="code">
 * &#64;RateLimitedLlm(chain = "default", tenant = "#request.customerId", priority = 3,
 *         fallbackMethod = "cannedAnswer")
 * public String answer(ChatRequest request) { ... }
 * </pre>
 *
 * Works on methods returning a plain value, {@code CompletionStage}, {@code Mono} or {@code Flux}.
 */
@Target({ ElementType.METHOD, ElementType.TYPE })
@Retention(RetentionPolicy.RUNTIME)
@Inherited
@Documented
public @interface RateLimitedLlm {

	/** Chain of {@code llm.guard.chains}; empty when {@link #model()} is used or the only provider has one model. */
	String chain() default "";

	/** A single model, {@code provider/model}; empty when {@link #chain()} is used. */
	String model() default "";

	/** SpEL over the method's parameters giving the tenant key, e.g. {@code #request.customerId}. */
	String tenant() default "";

	/** SpEL over the method's parameters giving the session or run key. */
	String session() default "";

	/** A configured tool limit ({@code llm.guard.tools.<name>}) that applies to this method. */
	String tool() default "";

	/** 1 (most urgent) to 10 (least urgent). */
	int priority() default 5;

	/** SpEL giving the input token estimate; default: tokenizer over String, Prompt and message arguments. */
	String estimatedTokens() default "";

	/**
	 * Longest wait for capacity, e.g. {@code 5s} or {@code 500ms}; default: the provider's max-wait.
	 * {@code 0} never waits: the call takes capacity now or fails at once with
	 * {@code RateLimitExceededException} (try-acquire).
	 */
	String maxWait() default "";

	/**
	 * The call's deadline from its start, e.g. {@code 20s}: its waits for capacity, retries and their
	 * pauses together; a Retry-After longer than what is left fails at once. Default:
	 * {@code llm.guard.retry.max-total-time}.
	 */
	String maxTotalTime() default "";

	/**
	 * SpEL over the method's parameters giving the key of the call's answer in its chain's cache of last
	 * answers ({@code llm.guard.chains.<name>.cache}), e.g. {@code #question.topic}; default: the prompt
	 * text of the String, Prompt and message arguments. Only a digest of it, with the chain and the
	 * tenant, is kept.
	 */
	String cacheKey() default "";

	/**
	 * A method of the same bean with the same parameters, optionally followed by an exception
	 * parameter, called when the guard rejects the call or every model failed.
	 */
	String fallbackMethod() default "";

}

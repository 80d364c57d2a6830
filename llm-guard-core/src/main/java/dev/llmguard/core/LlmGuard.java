package dev.llmguard.core;

import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Supplier;


/**
 * The programmatic face of the guard, for code that cannot use {@code @RateLimitedLlm}:
 *
 * <pre class="code">
 * String answer = guard.call(guard.request().chain("default").tenant("acme").prompt(text).build(),
 *         ctx -&gt; client.complete(ctx.model(), text));
 * </pre>
 */
public final class LlmGuard {

	private final LlmGuardEngine engine;

	public LlmGuard(LlmGuardEngine engine) {
		this.engine = engine;
	}

	/** A new request builder. */
	public CallRequest.Builder request() {
		return CallRequest.builder();
	}

	/**
	 * Runs a call whose answer is text under the guard; a chain's fallback response is returned as
	 * the answer when every model failed.
	 */
	public String call(CallRequest request, Function<LlmGuardContext, String> operation) {
		return call(request, operation::apply, text -> text);
	}

	/**
	 * Runs a call under the guard. A chain's fallback response is returned only when
	 * {@code resultType} can hold a {@code String}; otherwise the failure is raised.
	 */
	public <T> T call(CallRequest request, Class<T> resultType, Function<LlmGuardContext, T> operation) {
		return call(request, operation::apply,
				text -> resultType.isAssignableFrom(String.class) ? resultType.cast(text) : null);
	}

	/**
	 * Runs a call under the guard with a mapper for the fallback response. Checked exceptions of the
	 * operation are rethrown unchanged.
	 */
	public <T> T call(CallRequest request, GuardedOperation<T> operation, FallbackResponseMapper<T> fallback) {
		try {
			return this.engine.execute(request, operation, fallback);
		}
		catch (Throwable ex) {
			throw LlmGuard.<RuntimeException>sneaky(ex);
		}
	}

	/**
	 * Runs an asynchronous call whose answer is text; waiting happens on the guard's executor, and a
	 * chain's fallback response is the answer when every model failed.
	 */
	public CompletableFuture<String> callAsync(CallRequest request, AsyncGuardedOperation<String> operation) {
		return this.engine.executeAsync(request, operation, text -> text);
	}

	/** Runs an asynchronous call under the guard with a mapper for the fallback response. */
	public <T> CompletableFuture<T> callAsync(CallRequest request, AsyncGuardedOperation<T> operation,
			FallbackResponseMapper<T> fallback) {
		return this.engine.executeAsync(request, operation, fallback);
	}

	/**
	 * Runs a function-calling tool under its limit: the tool's answer, or its configured fallback
	 * response while it is limited.
	 * @throws ToolLimitExceededException when limited and no fallback response is configured
	 */
	public <T> T tool(String tool, Supplier<T> call, Function<String, T> fallback) {
		T answer = this.engine.toolFallback(tool, fallback::apply);
		return (answer != null) ? answer : call.get();
	}

	/** The engine behind this facade, for integrations. */
	public LlmGuardEngine engine() {
		return this.engine;
	}

	@SuppressWarnings("unchecked")
	private static <E extends Throwable> E sneaky(Throwable ex) throws E {
		throw (E) ex;
	}

}

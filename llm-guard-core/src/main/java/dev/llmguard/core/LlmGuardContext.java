package dev.llmguard.core;

import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

import dev.llmguard.core.model.ModelRef;
import dev.llmguard.core.limit.ReportedLimits;
import dev.llmguard.core.model.Usage;
import dev.llmguard.core.retry.RateLimitHeaders;
import dev.llmguard.core.time.GuardClock;

/**
 * The guarded call in progress: which model was chosen, and where the code that makes the call
 * reports the usage the provider returned. Inside a guarded method {@link #current()} returns it.
 */
public final class LlmGuardContext {

	private static final ThreadLocal<LlmGuardContext> CURRENT = new ThreadLocal<>();

	private final ModelRef model;

	private final String chain;

	private final String tenant;

	private final String session;

	private final int priority;

	private final int attempt;

	private final long estimatedInputTokens;

	private final long maxOutputTokens;

	private final AtomicReference<Usage> usage = new AtomicReference<>();

	private final AtomicReference<ReportedLimits> limits = new AtomicReference<>();

	/** Whether the call runs in shadow mode: its request leaves as the application built it. */
	private final boolean shadowed;

	/** The clock the reset durations of reported headers are read against. */
	private final GuardClock clock;

	/**
	 * The call of an annotated method or facade operation this context belongs to, whose model requests
	 * through guarded clients are each run (retried, failed over) on their own; {@code null} for the
	 * context of one model request, where inner entry points only apply the model.
	 */
	private final CallExecution requests;

	public LlmGuardContext(ModelRef model, String chain, String tenant, String session, int priority, int attempt,
			long estimatedInputTokens, long maxOutputTokens) {
		this(model, chain, tenant, session, priority, attempt, estimatedInputTokens, maxOutputTokens, null,
				GuardClock.system());
	}

	LlmGuardContext(ModelRef model, String chain, String tenant, String session, int priority, int attempt,
			long estimatedInputTokens, long maxOutputTokens, CallExecution requests, GuardClock clock) {
		this(model, chain, tenant, session, priority, attempt, estimatedInputTokens, maxOutputTokens, requests, clock,
				false);
	}

	LlmGuardContext(ModelRef model, String chain, String tenant, String session, int priority, int attempt,
			long estimatedInputTokens, long maxOutputTokens, CallExecution requests, GuardClock clock,
			boolean shadowed) {
		this.shadowed = shadowed;
		this.requests = requests;
		this.clock = clock;
		this.model = model;
		this.chain = chain;
		this.tenant = tenant;
		this.session = session;
		this.priority = priority;
		this.attempt = attempt;
		this.estimatedInputTokens = estimatedInputTokens;
		this.maxOutputTokens = maxOutputTokens;
	}

	/**
	 * The guarded call running on this thread.
	 * @return the context
	 * @throws IllegalStateException when no guarded call is running on this thread
	 */
	public static LlmGuardContext current() {
		LlmGuardContext context = CURRENT.get();
		if (context == null) {
			throw new IllegalStateException("No guarded LLM call is running on this thread: call LlmGuardContext.current() "
					+ "inside a @RateLimitedLlm method or an LlmGuard operation, or use LlmGuardContext.find()");
		}
		return context;
	}

	/** The guarded call running on this thread, or {@code null}. */
	public static LlmGuardContext find() {
		return CURRENT.get();
	}

	/** Whether a guarded call is running on this thread (inner entry points then do not admit again). */
	public static boolean isActive() {
		return CURRENT.get() != null;
	}

	/**
	 * Makes a context current until the returned scope is closed.
	 * @param context the context, or {@code null} to clear
	 * @return the scope restoring the previous context
	 */
	public static Scope open(LlmGuardContext context) {
		LlmGuardContext previous = CURRENT.get();
		CURRENT.set(context);
		return () -> {
			if (previous == null) {
				CURRENT.remove();
			}
			else {
				CURRENT.set(previous);
			}
		};
	}

	/**
	 * Whether the call runs in shadow mode on its provider: the guard only counts its decisions, and
	 * the request must leave exactly as the application built it (no model, no max tokens written).
	 */
	public boolean shadowed() {
		return this.shadowed;
	}

	/** The chosen model. */
	public ModelRef modelRef() {
		return this.model;
	}

	/** The chosen provider's name. */
	public String provider() {
		return this.model.provider();
	}

	/** The chosen model's name, to put in the request. */
	public String model() {
		return this.model.model();
	}

	/** The chain, or {@code null} for a single-model call. */
	public String chain() {
		return this.chain;
	}

	public String tenant() {
		return this.tenant;
	}

	public String session() {
		return this.session;
	}

	public int priority() {
		return this.priority;
	}

	/** 1 for the first attempt on this model, 2 for the first retry, … */
	public int attempt() {
		return this.attempt;
	}

	public long estimatedInputTokens() {
		return this.estimatedInputTokens;
	}

	/** The output allowance reserved for the call; put it in the request's max tokens. */
	public long maxOutputTokens() {
		return this.maxOutputTokens;
	}

	/**
	 * The call whose model requests through guarded clients are run one by one, when this is the context
	 * of an annotated method or facade operation; else {@code null}.
	 */
	CallExecution requests() {
		return this.requests;
	}

	/**
	 * Whether model requests made inside this call through a guarded client (ChatClient, RestClient) are
	 * each admitted, retried and failed over on their own, so that a retry repeats one model request
	 * and never the caller's other work; {@code false} when this context is that of one model request.
	 */
	public boolean runsRequestsOnTheirOwn() {
		return this.requests != null;
	}

	/** Reports the usage the provider returned (the last report wins). */
	public void recordUsage(long inputTokens, long outputTokens) {
		recordUsage(new Usage(inputTokens, outputTokens));
	}

	/** Reports the usage the provider returned (the last report wins). */
	public void recordUsage(Usage usage) {
		this.usage.set(usage);
	}

	/** The reported usage, or {@code null}. */
	public Usage recordedUsage() {
		return this.usage.get();
	}

	/**
	 * Hands over the headers of the provider's answer (success or error), so the guard learns its rate
	 * limits from them: OpenAI's {@code x-ratelimit-*}, Anthropic's {@code anthropic-ratelimit-*},
	 * {@code retry-after-ms}. Code that calls a provider with its own HTTP client inside a guarded
	 * method calls this with the answer's headers; the guarded clients do it by themselves. The last
	 * report wins.
	 * @param header reads one header value by (case-insensitive) name, {@code null} when absent
	 */
	public void recordRateLimitHeaders(Function<String, String> header) {
		Objects.requireNonNull(header, "header");
		recordRateLimits(RateLimitHeaders.report(header, this.clock.instant()));
	}

	/**
	 * Hands over the headers of the provider's answer, by name (matched ignoring case).
	 * @param headers header names and values
	 * @see #recordRateLimitHeaders(Function)
	 */
	public void recordRateLimitHeaders(Map<String, String> headers) {
		Objects.requireNonNull(headers, "headers");
		recordRateLimitHeaders((name) -> {
			for (Map.Entry<String, String> header : headers.entrySet()) {
				if (header.getKey().equalsIgnoreCase(name)) {
					return header.getValue();
				}
			}
			return null;
		});
	}

	/**
	 * Hands over what the provider's answer reported of its rate limits (the last report wins; an empty
	 * one is ignored).
	 * @param report the report
	 */
	public void recordRateLimits(ReportedLimits report) {
		if (report != null && !report.isEmpty()) {
			this.limits.set(report);
		}
	}

	/** What the provider's answer reported of its rate limits, or {@code null}. */
	public ReportedLimits reportedRateLimits() {
		return this.limits.get();
	}

	/**
	 * Whether a model request made inside this call found every model of the chain failed and was
	 * answered with the chain's cached last answer for the same key (no provider answered it).
	 */
	public boolean cachedResponse() {
		return this.requests != null && this.requests.isAnsweredFromCache();
	}

	/** Restores the previous context. */
	@FunctionalInterface
	public interface Scope extends AutoCloseable {

		@Override
		void close();

	}

}

package dev.llmguard.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.springframework.retry.backoff.BackOffInterruptedException;

import dev.llmguard.core.breaker.BreakerStore;
import dev.llmguard.core.breaker.CircuitBreakers;
import dev.llmguard.core.breaker.InMemoryBreakerStore;
import dev.llmguard.core.budget.BudgetLedger;
import dev.llmguard.core.budget.Budgets;
import dev.llmguard.core.cache.AnswerCache;
import dev.llmguard.core.cache.InMemoryAnswerCache;
import dev.llmguard.core.budget.InMemoryBudgetLedger;
import dev.llmguard.core.config.CurrentModes;
import dev.llmguard.core.config.GuardSettings;
import dev.llmguard.core.config.ProviderSpec;
import dev.llmguard.core.config.ToolSpec;
import dev.llmguard.core.event.DecisionCounts;
import dev.llmguard.core.event.GuardEvent;
import dev.llmguard.core.event.GuardEvents;
import dev.llmguard.core.event.GuardListener;
import dev.llmguard.core.limit.BucketStore;
import dev.llmguard.core.limit.CooldownStore;
import dev.llmguard.core.limit.Demand;
import dev.llmguard.core.limit.InMemoryCooldownStore;
import dev.llmguard.core.limit.LocalBucketStore;
import dev.llmguard.core.limit.NoCapacityException;
import dev.llmguard.core.limit.RateLimiters;
import dev.llmguard.core.limit.RatePermit;
import dev.llmguard.core.limit.ToolDecision;
import dev.llmguard.core.limit.ToolLimiter;
import dev.llmguard.core.model.ModelRef;
import dev.llmguard.core.model.Usage;
import dev.llmguard.core.pricing.PricingCatalog;
import dev.llmguard.core.retry.BackoffCalculator;
import dev.llmguard.core.retry.ErrorClassification;
import dev.llmguard.core.retry.ErrorClassifier;
import dev.llmguard.core.retry.ErrorClassifiers;
import dev.llmguard.core.time.GuardClock;
import dev.llmguard.core.token.TokenEstimator;
import dev.llmguard.core.token.TokenEstimators;

/**
 * The guard: admits, executes and settles LLM calls as described by {@link GuardSettings}. Every
 * entry point (annotation, Spring AI advisor, RestClient interceptor, {@code LlmGuard} facade) goes
 * through it. Build it with {@link #builder(GuardSettings)}.
 */
public final class LlmGuardEngine implements AutoCloseable {

	private static final org.slf4j.Logger logger = org.slf4j.LoggerFactory.getLogger(LlmGuardEngine.class);

	private final GuardSettings settings;

	/** The modes in force now: the configured ones, changed at runtime. */
	private final CurrentModes modes;

	private final GuardClock clock;

	private final CallRouting routing;

	private final RateLimiters limiters;

	private final ToolLimiter tools;

	private final Budgets budgets;

	private final PricingCatalog pricing;

	private final CooldownStore cooldowns;

	private final CircuitBreakers breakers;

	private final TokenEstimator estimator;

	private final ErrorClassifiers classifier;

	private final UsageExtractors usage;

	/** What each call works with. */
	private final GuardComponents components;

	private final GuardEvents events;

	private final BackoffCalculator backoff;

	/** The retry loop of blocking calls (spring-retry). */
	private final AttemptRetries retries = new AttemptRetries();

	/** The driver of asynchronous calls. */
	private final AsyncCalls async;

	private final Executor asyncExecutor;

	private final boolean ownsExecutor;

	private volatile CallObserver observer;

	/** The decisions made so far, shadowed or enforced, for the actuator endpoint. */
	private final DecisionCounts decisions;

	private LlmGuardEngine(Builder b) {
		this.settings = b.settings;
		this.modes = new CurrentModes(b.settings.modes());
		this.clock = b.clock;
		this.events = new GuardEvents(b.listeners);
		this.decisions = new DecisionCounts(b.settings);
		this.events.add(this.decisions);
		this.routing = new CallRouting(b.settings);
		this.limiters = new RateLimiters(b.settings, b.bucketStore, b.clock);
		this.tools = new ToolLimiter(b.settings, b.bucketStore, b.clock);
		this.budgets = new Budgets(b.settings, b.ledger, b.clock, this.events);
		this.pricing = new PricingCatalog(b.settings);
		this.cooldowns = b.cooldowns;
		this.breakers = new CircuitBreakers(b.settings.breaker(), b.breakers, b.clock);
		this.estimator = b.estimator;
		this.classifier = new ErrorClassifiers(b.classifiers);
		this.usage = new UsageExtractors(b.extractors);
		this.backoff = new BackoffCalculator(b.settings.retry());
		this.components = new GuardComponents(this.settings, this.modes, this.clock, this.routing, this.limiters,
				this.budgets, this.pricing, this.cooldowns, this.estimator, this.classifier, this.usage, this.events,
				this.backoff, new CachedAnswers(b.answerCache, b.answerExtractors), this.breakers);
		this.ownsExecutor = (b.asyncExecutor == null);
		this.asyncExecutor = (b.asyncExecutor != null) ? b.asyncExecutor : defaultExecutor();
		this.observer = b.observer;
		this.async = new AsyncCalls(this, this.asyncExecutor);
	}

	/**
	 * The default executor of asynchronous and streamed calls: a thread for each call waiting for
	 * capacity or pausing before a retry, so that waiting calls meet in the limiters' priority queue,
	 * never in a FIFO queue in front of it where an urgent call would wait behind low ones, unseen by
	 * max-wait. Threads end after 30 s idle; past {@link #MAX_ASYNC_THREADS} waiting calls, a new one is
	 * refused at once rather than queued without bound.
	 */
	private static ExecutorService defaultExecutor() {
		AtomicInteger count = new AtomicInteger();
		ThreadPoolExecutor executor = new ThreadPoolExecutor(0, MAX_ASYNC_THREADS, 30, TimeUnit.SECONDS,
				new SynchronousQueue<>(), r -> {
					Thread t = new Thread(r, "llm-guard-async-" + count.incrementAndGet());
					t.setDaemon(true);
					return t;
				}, (task, pool) -> {
					throw new RejectedExecutionException(MAX_ASYNC_THREADS + " asynchronous LLM calls are already "
							+ "waiting for capacity or a retry; give LlmGuardEngine.Builder.asyncExecutor a larger "
							+ "executor (virtual threads on Java 21+) if the application needs more");
				});
		return executor;
	}

	/** How many asynchronous calls may wait for capacity or a retry at once on the default executor. */
	static final int MAX_ASYNC_THREADS = 1024;

	/** The executor that runs admission waits, retry pauses and stream settlements off the caller's threads. */
	public Executor asyncExecutor() {
		return this.asyncExecutor;
	}

	public static Builder builder(GuardSettings settings) {
		return new Builder(settings);
	}

	// ---------------------------------------------------------------- entry points

	/**
	 * Runs a provider call under the guard on this thread. Inside another guarded call the operation
	 * runs at once with the outer call's context (a call is admitted exactly once).
	 * @param request what is known of the call
	 * @param operation the provider call; it reads the chosen model from the context
	 * @param fallback maps the chain's fallback response to the result type
	 * @return the operation's result, or the fallback response
	 * @throws Throwable the provider's non-retryable error, or an {@link LlmGuardException}
	 */
	public <T> T execute(CallRequest request, GuardedOperation<T> operation, FallbackResponseMapper<T> fallback)
			throws Throwable {
		LlmGuardContext outer = LlmGuardContext.find();
		if (outer != null) {
			return operation.call(outer);
		}
		return guard(request, operation, fallback, true);
	}

	/**
	 * Runs one model request under the guard, for entry points that see the request itself (the Spring
	 * AI advisor, the RestClient interceptor). Alone, it is guarded like {@link #execute}. Inside the call
	 * of an annotated method or a facade operation, it is admitted, retried and failed over on its own
	 * under that call's chain, tenant, session and priority (the first request uses the capacity the
	 * call was admitted with), so that a retry repeats this request only, never the method's other work
	 * or tools that already ran. Inside another model request it runs at once with that context.
	 * @param request the request's own figures: estimated input tokens and max output tokens (inside an
	 * outer call the rest comes from it)
	 * @param operation sends the request with the context's model and output allowance
	 * @param fallback maps the chain's fallback response or cached last answer to the result type (inside
	 * an outer call only the cached answer: there the outer call answers with its own fallback response)
	 */
	public <T> T executeRequest(CallRequest request, GuardedOperation<T> operation,
			FallbackResponseMapper<T> fallback) throws Throwable {
		LlmGuardContext outer = LlmGuardContext.find();
		if (outer == null) {
			return guard(request, operation, fallback, false);
		}
		CallExecution call = outer.requests();
		if (call == null) {
			return operation.call(outer);
		}
		// the request answers the chain's cached last answer for it; the outer call answers its fallback response
		return run(startRequest(call, request), operation, fallback);
	}

	private <T> T guard(CallRequest request, GuardedOperation<T> operation, FallbackResponseMapper<T> fallback,
			boolean wrapsRequests) throws Throwable {
		if (request.tool() != null) {
			T answer = toolFallback(request.tool(), fallback);
			if (answer != null) {
				return answer;
			}
		}
		ObservedCall observed = observe(request);
		Throwable failure = null;
		// the scope closes before stop: the call stays current on this thread while the provider is called
		try (ObservedCall.Scope scope = observed.openScope()) {
			return run(start(request, observed, wrapsRequests), operation, fallback);
		}
		catch (Throwable ex) {
			failure = ex;
			throw ex;
		}
		finally {
			observed.stop(failure);
		}
	}

	/**
	 * Starts one model request made inside the call of an annotated method or facade operation, to be
	 * driven like a call of its own: the first request runs on the attempt the call was admitted with;
	 * later ones (the rounds of a tool-calling conversation) are admitted on their own under the call's
	 * chain, tenant, session and priority, from the model the last request used.
	 * @param enclosing the enclosing call ({@link #requestsOf})
	 * @param shape the request's own figures: estimated input tokens and max output tokens
	 */
	public GuardedCall startRequest(GuardedCall enclosing, CallRequest shape) {
		return startRequest((CallExecution) enclosing, shape);
	}

	private RequestCall startRequest(CallExecution call, CallRequest shape) {
		Attempt first = call.takeForRequest(shape);
		String cacheKey = call.requestCacheKey(shape);
		if (first != null) {
			return new RequestCall(call, call, first, cacheKey);
		}
		CallRequest next = call.request()
			.toBuilder()
			.model(call.requestModel())
			.tool(null)
			.prompt(null)
			.cacheKey(shape.cacheKey())
			.estimatedInputTokens(shape.estimatedInputTokens())
			.maxOutputTokens(shape.maxOutputTokens())
			.build();
		CallExecution execution = begin(next);
		execution.deadlineOf(call);
		execution.observe(call.observed());
		execution.cancellable(); // a streamed request's subscriber may leave
		return new RequestCall(call, execution, null, cacheKey);
	}

	/**
	 * The call of an annotated method or facade operation whose model requests are run one by one, when
	 * the context is that call's; else {@code null} (for streaming entry points, which drive the steps).
	 */
	public GuardedCall requestsOf(LlmGuardContext context) {
		return (context != null) ? context.requests() : null;
	}

	/**
	 * The blocking driver: admits a model, calls it (spring-retry retrying it as the call decides),
	 * fails over or raises as the call decides, and settles. For the call of an annotated method or facade operation whose code made model requests
	 * through guarded clients, those requests were retried on their own: the method is not run again.
	 */
	private <T> T run(GuardedCall execution, GuardedOperation<T> operation, FallbackResponseMapper<T> fallback)
			throws Throwable {
		for (Attempt attempt = execution.admit(); attempt != null; attempt = execution.admit()) {
			Throwable error;
			try {
				// spring-retry's loop: retries as the call decides; a call whose code made model requests
				// through guarded clients is not run again (those requests were retried on their own)
				T result = this.retries.call(execution, attempt, operation);
				execution.succeeded(attempt, result);
				return result;
			}
			catch (Throwable thrown) {
				// an interrupt during a retry pause comes wrapped by spring-retry: raise the InterruptedException itself
				error = (thrown instanceof BackOffInterruptedException
						&& thrown.getCause() instanceof InterruptedException interrupted) ? interrupted : thrown;
			}
			if (execution.madeRequests()) {
				// each model request was retried and failed over on its own: the code is not run again
				return execution.afterRequestsFailed(error, fallback);
			}
			if (execution.giveUp(attempt, error) instanceof Decision.Raise raise) {
				throw raise.error();
			}
		}
		return execution.exhausted(fallback);
	}

	/**
	 * Runs an asynchronous provider call under the guard. Waiting for capacity and backoff pauses happen
	 * on the guard's executor, never on the calling thread.
	 */
	public <T> CompletableFuture<T> executeAsync(CallRequest request, AsyncGuardedOperation<T> operation,
			FallbackResponseMapper<T> fallback) {
		LlmGuardContext outer = LlmGuardContext.find();
		if (outer != null) {
			// already admitted by an outer entry point on this thread
			try {
				return operation.call(outer).toCompletableFuture();
			}
			catch (Throwable ex) {
				return CompletableFuture.failedFuture(ex);
			}
		}
		return this.async.execute(request, operation, fallback);
	}

	/**
	 * Starts watching a call (a Micrometer observation, where the metrics module is present), for
	 * entry points that drive the steps themselves (streams); a failing observer never fails the call.
	 * @return the watched call: hand it to {@link CallExecution}'s observe, and stop it once
	 */
	public ObservedCall observe(CallRequest request) {
		CallObserver current = this.observer;
		if (current == CallObserver.NONE) {
			return ObservedCall.NONE;
		}
		try {
			return Objects.requireNonNull(current.start(request), "observer returned no call");
		}
		catch (RuntimeException ex) {
			return ObservedCall.NONE;
		}
	}

	/**
	 * Starts a call for entry points that drive the steps themselves (streams).
	 * @throws IllegalArgumentException when the request names no usable chain or model
	 */
	public GuardedCall start(CallRequest request) {
		CallExecution execution = begin(request);
		execution.cancellable();
		return execution;
	}

	/**
	 * Starts a call for entry points that drive the steps themselves (streams), watched by an observer.
	 * @param observed the call's observation ({@link #observe}); the driver stops it once
	 * @param wrapsRequests whether this is the call of an annotated method or facade operation, whose
	 * model requests made through guarded clients are run on their own ({@link #startRequest})
	 * @throws IllegalArgumentException when the request names no usable chain or model
	 */
	public GuardedCall start(CallRequest request, ObservedCall observed, boolean wrapsRequests) {
		CallExecution execution = begin(request);
		execution.observe(observed);
		execution.cancellable();
		if (wrapsRequests) {
			execution.wrapRequests();
		}
		return execution;
	}

	CallExecution begin(CallRequest request) {
		CallRouting.Route route = this.routing.route(request);
		long estimate = (request.estimatedInputTokens() != null) ? request.estimatedInputTokens()
				: this.estimator.estimate(request.promptText());
		return new CallExecution(this.components, request, route.chain(), route.candidates(), estimate);
	}

	/**
	 * Finds the model a request names by model name alone (Spring AI options carry no provider).
	 * @return the configured model, or {@code null}
	 * @see CallRouting#resolveModel(String)
	 */
	public ModelRef resolveModel(String modelName) {
		return this.routing.resolveModel(modelName);
	}

	/** Where calls go and with which defaults: the one place that resolves chains, models and per-call defaults. */
	public CallRouting routing() {
		return this.routing;
	}

	// ---------------------------------------------------------------- tools

	/**
	 * Counts one call of a tool against its limit: the one place where a tool's limit is decided, for
	 * guarded calls that name a tool and for function-calling tools (which are no LLM calls themselves).
	 * @param tool the configured tool
	 * @param fallback maps the tool's fallback response to the caller's type, or answers {@code null}
	 * when it cannot
	 * @return {@code null} when the tool may run now, else its fallback response
	 * @throws ToolLimitExceededException when the tool is limited and no fallback response answers
	 */
	public <T> T toolFallback(String tool, FallbackResponseMapper<T> fallback) {
		ToolDecision decision = this.tools.tryAcquire(tool);
		if (decision.allowed()) {
			emit(new GuardEvent.ToolCalled(this.clock.instant(), tool, "allowed"));
			return null;
		}
		ToolSpec spec = decision.spec();
		if (this.modes.get().shadowsTool(tool)) {
			// the tool runs and counts: its bucket goes into debt
			this.tools.takeAnyway(tool);
			emit(new GuardEvent.Decided(this.clock.instant(), "tool_limited", true, null, null, null, tool,
					"tool '" + tool + "' over " + spec.limit() + " per " + spec.window()));
			emit(new GuardEvent.ToolCalled(this.clock.instant(), tool, "allowed"));
			return null;
		}
		emit(new GuardEvent.Decided(this.clock.instant(), "tool_limited", false, null, null, null, tool,
				"tool '" + tool + "' over " + spec.limit() + " per " + spec.window()));
		T answer = (spec.fallbackResponse() != null) ? fallback.map(spec.fallbackResponse()) : null;
		if (answer != null) {
			emit(new GuardEvent.ToolCalled(this.clock.instant(), tool, "fallback"));
			return answer;
		}
		emit(new GuardEvent.ToolCalled(this.clock.instant(), tool, "rejected"));
		emit(new GuardEvent.Rejected(this.clock.instant(), null, null, "tool_limited", "tool '" + tool + "'"));
		throw new ToolLimitExceededException(tool, spec.limit(), spec.window(), decision.retryAfter());
	}

	// ---------------------------------------------------------------- shared steps

	/** Classifies an error: walks its causes through the classifiers; unknown errors are not retryable. */
	public ErrorClassification classify(Throwable error) {
		return this.classifier.classify(error);
	}

	/** The usage the registered extractors find in a result, or {@code null}. */
	public Usage extractUsage(Object result) {
		return this.usage.extract(result);
	}

	/**
	 * Admits a plain request to a provider that is no model call (a file upload, a model list): one
	 * request from the provider's request buckets and, unless the caller already holds a slot of this
	 * provider, a concurrency slot, to give back with {@link RatePermit#release} when the answer came.
	 * @param provider the provider
	 * @param priority 1 (most urgent) to 10
	 * @param holdsSlot whether the request is sent inside a guarded call of this provider
	 * @return the permit to release, or {@code null} when the caller holds a slot already
	 * @throws RateLimitExceededException when no capacity came within the provider's max wait
	 * @throws InterruptedException when interrupted while waiting (nothing is held then)
	 */
	public RatePermit admitPlainRequest(String provider, int priority, boolean holdsSlot) throws InterruptedException {
		ModelRef other = new ModelRef(provider, CallRouting.OTHER_REQUESTS);
		Duration maxWait = this.routing.maxWait(CallRequest.builder().build(), other);
		try {
			if (holdsSlot) {
				this.limiters.acquireRequest(other, priority, maxWait);
				return null;
			}
			return this.limiters.acquire(other, new Demand(0, 0), priority, maxWait);
		}
		catch (NoCapacityException ex) {
			throw RateLimitExceededException.of(ex);
		}
		catch (GuardInterruptedException ex) {
			throw ex.interruption();
		}
	}

	void emit(GuardEvent event) {
		this.events.onEvent(event);
	}

	// ---------------------------------------------------------------- accessors

	/** The configured settings; the modes in force now are {@link #modes()}. */
	public GuardSettings settings() {
		return this.settings;
	}

	/** The modes in force now: {@code settings().modes()} until changed at runtime. */
	public CurrentModes modes() {
		return this.modes;
	}

	public GuardClock clock() {
		return this.clock;
	}

	public RateLimiters limiters() {
		return this.limiters;
	}

	public ToolLimiter tools() {
		return this.tools;
	}

	public Budgets budgets() {
		return this.budgets;
	}

	public PricingCatalog pricing() {
		return this.pricing;
	}

	public CooldownStore cooldowns() {
		return this.cooldowns;
	}

	/** The models' circuit breakers. */
	public CircuitBreakers breakers() {
		return this.breakers;
	}

	public TokenEstimator estimator() {
		return this.estimator;
	}

	/** The decisions made so far per provider, budget and tool, shadowed or enforced. */
	public DecisionCounts decisions() {
		return this.decisions;
	}

	public BackoffCalculator backoff() {
		return this.backoff;
	}

	/**
	 * Watches every call run by {@link #execute} and {@link #executeAsync} from now on (tracing);
	 * replaces the observer set before.
	 * @param observer the observer, or {@code null} for none
	 */
	public void observeCalls(CallObserver observer) {
		this.observer = (observer != null) ? observer : CallObserver.NONE;
	}

	/** Where the engine's events go: every listener, for events raised beside the engine's calls. */
	public GuardListener events() {
		return this.events;
	}

	/** Adds a listener at run time (metrics and endpoints register through the builder). */
	public void addListener(GuardListener listener) {
		this.events.add(listener);
	}

	@Override
	public void close() {
		if (this.ownsExecutor && this.asyncExecutor instanceof ExecutorService executor) {
			executor.shutdownNow();
		}
	}

	/** Builder of {@link LlmGuardEngine}; every collaborator has an in-memory default. */
	public static final class Builder {

		private final GuardSettings settings;

		private GuardClock clock = GuardClock.system();

		private BucketStore bucketStore;

		private BudgetLedger ledger;

		private CooldownStore cooldowns;

		private BreakerStore breakers;

		private TokenEstimator estimator;

		private final List<ErrorClassifier> classifiers = new ArrayList<>();

		private final List<UsageExtractor> extractors = new ArrayList<>();

		private AnswerCache answerCache;

		private final List<AnswerExtractor> answerExtractors = new ArrayList<>();

		private final List<GuardListener> listeners = new ArrayList<>();

		private Executor asyncExecutor;

		private CallObserver observer = CallObserver.NONE;

		private Builder(GuardSettings settings) {
			this.settings = Objects.requireNonNull(settings, "settings");
		}

		public Builder clock(GuardClock clock) {
			this.clock = clock;
			return this;
		}

		public Builder bucketStore(BucketStore store) {
			this.bucketStore = store;
			return this;
		}

		public Builder ledger(BudgetLedger ledger) {
			this.ledger = ledger;
			return this;
		}

		public Builder cooldowns(CooldownStore cooldowns) {
			this.cooldowns = cooldowns;
			return this;
		}

		/** Where the models' circuit breakers live; in this JVM by default. */
		public Builder breakers(BreakerStore breakers) {
			this.breakers = breakers;
			return this;
		}

		public Builder estimator(TokenEstimator estimator) {
			this.estimator = estimator;
			return this;
		}

		public Builder classifier(ErrorClassifier classifier) {
			this.classifiers.add(classifier);
			return this;
		}

		public Builder classifiers(List<? extends ErrorClassifier> classifiers) {
			this.classifiers.addAll(classifiers);
			return this;
		}

		public Builder usageExtractor(UsageExtractor extractor) {
			this.extractors.add(extractor);
			return this;
		}

		public Builder usageExtractors(List<? extends UsageExtractor> extractors) {
			this.extractors.addAll(extractors);
			return this;
		}

		/** Where chains keep their last answers; default in memory ({@link InMemoryAnswerCache}). */
		public Builder answerCache(AnswerCache cache) {
			this.answerCache = cache;
			return this;
		}

		/** Reads the answer text of results that are no text, for the chains' caches of last answers. */
		public Builder answerExtractors(List<? extends AnswerExtractor> extractors) {
			this.answerExtractors.addAll(extractors);
			return this;
		}

		public Builder listener(GuardListener listener) {
			this.listeners.add(listener);
			return this;
		}

		public Builder listeners(List<? extends GuardListener> listeners) {
			this.listeners.addAll(listeners);
			return this;
		}

		/** Watches each call, for tracing (Micrometer observations). */
		public Builder callObserver(CallObserver observer) {
			this.observer = (observer != null) ? observer : CallObserver.NONE;
			return this;
		}

		/** Executor for admission waits and backoff pauses of asynchronous calls. */
		public Builder asyncExecutor(Executor executor) {
			this.asyncExecutor = executor;
			return this;
		}

		public LlmGuardEngine build() {
			if (this.bucketStore == null) {
				this.bucketStore = new LocalBucketStore(this.clock);
			}
			if (this.ledger == null) {
				this.ledger = new InMemoryBudgetLedger(this.clock, this.settings.zone());
			}
			if (this.cooldowns == null) {
				this.cooldowns = new InMemoryCooldownStore();
			}
			if (this.answerCache == null) {
				this.answerCache = new InMemoryAnswerCache(this.clock);
			}
			if (this.breakers == null) {
				this.breakers = new InMemoryBreakerStore(this.clock);
			}
			if (this.estimator == null) {
				this.estimator = TokenEstimators.best(LlmGuardEngine.class.getClassLoader());
			}
			return new LlmGuardEngine(this);
		}

	}

	/** For diagnostics: configured providers. */
	public Map<String, ProviderSpec> providers() {
		return this.settings.providers();
	}

}

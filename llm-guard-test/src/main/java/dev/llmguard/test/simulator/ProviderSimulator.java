package dev.llmguard.test.simulator;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import com.sun.net.httpserver.HttpServer;

/**
 * An HTTP server that behaves like the chat APIs of OpenAI ({@code POST /v1/chat/completions} and
 * {@code POST /v1/responses}, plain and streamed) and Anthropic ({@code POST /v1/messages}, plain
 * and streamed), so code that calls an LLM can be tested offline, including what happens at the
 * provider's rate limits.
 * <p>
 * Every answer is deterministic: the prompt is counted with jtokkit, and the answer is made of
 * words from a fixed vocabulary, chosen from the prompt's hash, exactly
 * {@code min(outputTokens, max_tokens)} tokens long. The simulator keeps its own per-minute limits
 * on requests ({@code requestsPerMinute}) and tokens ({@code tokensPerMinute}), by the injected
 * {@link Clock}: by default as buckets that hold a minute's worth and refill continuously, the way
 * OpenAI and Anthropic describe theirs, or as one-minute sliding windows
 * ({@link RateLimiting#SLIDING_WINDOW}), which are stricter. A request is charged, at admission, its prompt tokens plus its
 * {@code max_tokens} (OpenAI: {@code max_completion_tokens} or {@code max_tokens}; responses:
 * {@code max_output_tokens}), or plus the configured answer length when it sets none, as OpenAI
 * charges the requested maximum. The same sum
 * is checked against the context window. Only requests that reach admission are charged: transient
 * failures, invalid requests and forced 429s are not.
 * <p>
 * A request goes through these steps, and the first that answers ends it: a forced failure
 * ({@link #failNextRequests}); a forced 429 ({@link #rateLimitNextRequests}); a transient failure
 * drawn with probability {@code failureRate} from a seeded random source (500, 503 or 529); JSON
 * parsing and validation (400); a forced failure for the model ({@link #failModel}); a forced 429 for
 * the model ({@link #rateLimitModel}); the context
 * window (400 {@code context_length_exceeded}); the rate windows (429 with {@code Retry-After} and
 * the provider's rate-limit headers); then the latency and the answer, with the rate-limit headers.
 * <p>
 * Anthropic-style requests may mark a prompt prefix with {@code cache_control}: the simulator then
 * caches it as Anthropic does ({@link PromptCache}) and reports the tokens written to and read from
 * the cache in the answer's usage ({@code cache_creation_input_tokens}, {@code cache_read_input_tokens},
 * with {@code input_tokens} the rest of the prompt).
 * <p>
 * Latency applies to admitted requests only; errors and 429s answer at once. OpenAI's endpoint also
 * answers on {@code /chat/completions} and {@code /responses}, for clients given {@link #baseUrl()}
 * without {@code /v1}. Every other path answers 404, but every request (except those to
 * {@code /stats}) is kept in {@link #receivedRequests()}, so a test can check what a client sent.
 * <p>
 * {@code GET /stats} serves {@link #stats()} as JSON and {@code POST /stats/reset} calls
 * {@link #resetStats()}. Prompts and answers are never logged.
 *
 * <pre>{@code
 * try (ProviderSimulator simulator = ProviderSimulator.builder().requestsPerMinute(60).build().start()) {
 *     String baseUrl = simulator.openAiBaseUrl(); // http://127.0.0.1:PORT/v1
 * }
 * }</pre>
 */
public final class ProviderSimulator implements AutoCloseable {

	/** The address the simulator binds to unless told otherwise. */
	public static final String DEFAULT_HOST = "127.0.0.1";

	/** Requests served in parallel unless told otherwise. */
	public static final int DEFAULT_THREADS = 32;

	private static final System.Logger logger = System.getLogger(ProviderSimulator.class.getName());

	private static final int[] TRANSIENT_STATUSES = { 500, 503, 529 };

	private static final Duration FORCED_RETRY_AFTER = Duration.ofSeconds(1);

	private final String host;

	private final int requestedPort;

	private final int threads;

	private final Clock clock;

	private final SimulatorSettings initialSettings;

	private volatile SimulatorSettings settings;

	private final RateWindows windows = new RateWindows();

	/** Replaced on reset: a request counts where it arrived, so one still streaming then counts in no later stats. */
	private volatile StatsCounter stats = new StatsCounter();

	private final RequestLog requestLog = new RequestLog();

	private final AtomicLong sequence = new AtomicLong();

	private final AtomicInteger forcedRateLimits = new AtomicInteger();

	private final AtomicInteger forcedFailures = new AtomicInteger();

	private volatile int forcedFailureStatus = 503;

	private volatile boolean callOfferedTools;

	private final Map<String, Duration> initialRateLimitedModels;

	private final Map<String, Integer> initialFailedModels;

	private final Neighbour initialNeighbour;

	private volatile Neighbour neighbour;

	private final Map<String, Duration> rateLimitedModels = new ConcurrentHashMap<>();

	private final java.util.Set<String> exhaustedQuotas = ConcurrentHashMap.newKeySet();

	private final Map<String, Integer> failedModels = new ConcurrentHashMap<>();

	private final PromptCache promptCache = new PromptCache();

	private final Object randomLock = new Object();

	private Random random;

	private final Object lifecycleLock = new Object();

	private HttpServer server;

	private ExecutorService executor;

	private ProviderSimulator(Builder builder) {
		this.host = builder.host;
		this.requestedPort = builder.port;
		this.threads = builder.threads;
		this.clock = builder.clock;
		this.initialSettings = builder.settings.build();
		this.settings = this.initialSettings;
		this.random = new Random(this.initialSettings.seed());
		this.initialRateLimitedModels = Map.copyOf(builder.rateLimitedModels);
		this.initialFailedModels = Map.copyOf(builder.failedModels);
		this.rateLimitedModels.putAll(this.initialRateLimitedModels);
		this.failedModels.putAll(this.initialFailedModels);
		this.initialNeighbour = builder.neighbour;
		neighbour(this.initialNeighbour);
	}

	/**
	 * A builder with the default settings, bound to {@code 127.0.0.1} on a free port.
	 * @return a new builder
	 */
	public static Builder builder() {
		return new Builder();
	}

	/**
	 * Starts serving. A stopped simulator may be started again (on a new free port when the port is 0).
	 * @return this simulator
	 * @throws IllegalStateException when it is already running
	 * @throws UncheckedIOException when the port cannot be bound
	 */
	public ProviderSimulator start() {
		synchronized (this.lifecycleLock) {
			if (this.server != null) {
				throw new IllegalStateException("Provider simulator is already running on port " + port());
			}
			HttpServer created;
			try {
				created = HttpServer.create(new InetSocketAddress(this.host, this.requestedPort), 256);
			}
			catch (IOException ex) {
				throw new UncheckedIOException("Provider simulator could not bind " + this.host + ":"
						+ this.requestedPort + "; choose another port or 0 for a free one", ex);
			}
			this.executor = Executors.newFixedThreadPool(this.threads, new DaemonThreads());
			created.setExecutor(this.executor);
			created.createContext("/", new SimulatorHandler(this));
			created.start();
			this.server = created;
			logger.log(System.Logger.Level.DEBUG, () -> "Provider simulator listening on " + baseUrl());
			return this;
		}
	}

	/**
	 * Stops serving at once; streams in progress are cut. Does nothing when not running.
	 */
	public void stop() {
		synchronized (this.lifecycleLock) {
			if (this.server == null) {
				return;
			}
			this.server.stop(0);
			this.executor.shutdownNow();
			this.server = null;
			this.executor = null;
		}
	}

	/**
	 * Same as {@link #stop()}.
	 */
	@Override
	public void close() {
		stop();
	}

	/**
	 * Whether the simulator is serving.
	 * @return {@code true} between {@link #start()} and {@link #stop()}
	 */
	public boolean isRunning() {
		synchronized (this.lifecycleLock) {
			return this.server != null;
		}
	}

	/**
	 * The port it listens on.
	 * @return the bound port
	 * @throws IllegalStateException when it is not running
	 */
	public int port() {
		synchronized (this.lifecycleLock) {
			if (this.server == null) {
				throw new IllegalStateException("Provider simulator is not running; call start() first");
			}
			return this.server.getAddress().getPort();
		}
	}

	/**
	 * The root URL, for example {@code http://127.0.0.1:8089}; Anthropic clients take this one.
	 * @return the root URL, without a trailing slash
	 */
	public String baseUrl() {
		String address = this.host.contains(":") ? "[" + this.host + "]" : this.host;
		return "http://" + address + ":" + port();
	}

	/**
	 * The URL OpenAI clients take as their base URL, for example {@code http://127.0.0.1:8089/v1}.
	 * @return the root URL followed by {@code /v1}
	 */
	public String openAiBaseUrl() {
		return baseUrl() + "/v1";
	}

	/**
	 * The clock of the rate windows.
	 * @return the clock
	 */
	public Clock clock() {
		return this.clock;
	}

	/**
	 * The settings in force.
	 * @return the settings
	 */
	public SimulatorSettings settings() {
		return this.settings;
	}

	/**
	 * Replaces the settings of the running simulator; the rate windows keep their history.
	 * @param newSettings the settings from now on
	 */
	public void update(SimulatorSettings newSettings) {
		Objects.requireNonNull(newSettings, "newSettings");
		SimulatorSettings previous = this.settings;
		this.settings = newSettings;
		if (previous.seed() != newSettings.seed()) {
			synchronized (this.randomLock) {
				this.random = new Random(newSettings.seed());
			}
		}
	}

	/**
	 * Changes some settings of the running simulator, for example
	 * {@code simulator.update((settings) -> settings.failureRate(0.5))}.
	 * @param changes applied to a builder that starts from the settings in force
	 */
	public void update(Consumer<SimulatorSettings.Builder> changes) {
		SimulatorSettings.Builder builder = this.settings.toBuilder();
		changes.accept(builder);
		update(builder.build());
	}

	/**
	 * What the simulator has answered since it started or was last reset.
	 * @return the counts
	 */
	public SimulatorStats stats() {
		return this.stats.snapshot();
	}

	/**
	 * The last requests received (at most 100, oldest first), on any path but {@code /stats}, as
	 * they arrived: method, path, content type and body. Tests read it to check what a client
	 * really sent.
	 * @return the requests since the simulator started or was last reset
	 */
	public List<ReceivedRequest> receivedRequests() {
		return this.requestLog.snapshot();
	}

	/**
	 * The last request received on any path but {@code /stats}.
	 * @return the request
	 * @throws IllegalStateException when none was received since the simulator started or was last
	 * reset
	 */
	public ReceivedRequest lastRequest() {
		List<ReceivedRequest> requests = this.requestLog.snapshot();
		if (requests.isEmpty()) {
			throw new IllegalStateException("The provider simulator has received no request since it started or was "
					+ "last reset");
		}
		return requests.get(requests.size() - 1);
	}

	/**
	 * Zeroes the counts, empties the rate windows and forgets the {@linkplain #receivedRequests()
	 * received requests}.
	 */
	public void resetStats() {
		this.stats = new StatsCounter();
		this.windows.clear();
		this.requestLog.clear();
	}

	/**
	 * Returns to the state after {@link #start()}: the settings it was built with, no forced answers
	 * but the models its builder rate-limits or fails, zero counts, empty rate windows and prompt
	 * cache, no received requests and a reseeded failure source. The clock is not touched.
	 */
	public void reset() {
		this.settings = this.initialSettings;
		this.forcedRateLimits.set(0);
		this.forcedFailures.set(0);
		this.rateLimitedModels.clear();
		this.rateLimitedModels.putAll(this.initialRateLimitedModels);
		this.exhaustedQuotas.clear();
		this.failedModels.clear();
		this.failedModels.putAll(this.initialFailedModels);
		this.promptCache.clear();
		this.callOfferedTools = false;
		neighbour(this.initialNeighbour);
		synchronized (this.randomLock) {
			this.random = new Random(this.initialSettings.seed());
		}
		resetStats();
	}

	/**
	 * Answers the next {@code count} chat requests with 429 ({@code Retry-After: 1}), whatever their
	 * model and the windows say.
	 * @param count how many requests; {@code 0} cancels
	 */
	public void rateLimitNextRequests(int count) {
		requireNotNegative(count);
		this.forcedRateLimits.set(count);
	}

	/**
	 * Answers every chat request for a model with 429 ({@code Retry-After: 60}) until
	 * {@link #clearRateLimitedModels()}, to test falling back to another model.
	 * @param model the model name, as the client sends it
	 */
	public void rateLimitModel(String model) {
		rateLimitModel(model, Duration.ofSeconds(60));
	}

	/**
	 * Answers every chat request for a model with 429 until {@link #clearRateLimitedModels()}.
	 * @param model the model name, as the client sends it
	 * @param retryAfter the {@code Retry-After} to announce, at least one second
	 */
	public void rateLimitModel(String model, Duration retryAfter) {
		this.rateLimitedModels.put(Objects.requireNonNull(model, "model"), requireRetryAfter(retryAfter));
	}

	/**
	 * Ends every {@link #rateLimitModel(String)}.
	 */
	public void clearRateLimitedModels() {
		this.rateLimitedModels.clear();
	}

	/**
	 * Draws from the simulator's limits as a neighbour would: another service on the same key, which
	 * the guarded application cannot see. The next answers report that much less remaining.
	 * @param requests requests drawn (not counted in the stats)
	 * @param tokens tokens drawn
	 */
	public void drawFromQuota(long requests, long tokens) {
		if (requests < 0 || tokens < 0) {
			throw new IllegalArgumentException("requests and tokens must not be negative but were " + requests
					+ " and " + tokens);
		}
		SimulatorSettings settings = settings();
		this.windows.draw(requests, tokens, settings.requestsPerMinute(), settings.tokensPerMinute(),
				this.clock.millis(), settings.rateLimiting());
	}

	/**
	 * Lets a neighbour draw from the simulator's per-minute limits from now on, continuously, as
	 * another service on the same key would: the guarded application cannot see it, only the remaining
	 * counts its answers report. Its draws are in no stats.
	 * @param neighbour the neighbour, or {@code null} for none
	 */
	public void neighbour(Neighbour neighbour) {
		this.neighbour = neighbour;
		this.windows.neighbour(neighbour, this.clock.millis());
	}

	/**
	 * The neighbour drawing from the limits.
	 * @return the neighbour, or {@code null} when none
	 */
	public Neighbour neighbour() {
		return this.neighbour;
	}

	/**
	 * Answers every chat request for a model as a spent quota, until {@link #clearExhaustedQuotas()}:
	 * OpenAI's 429 {@code insufficient_quota}, with no reset header, as OpenAI sends it.
	 * @param model the model name, as the client sends it
	 */
	public void exhaustQuota(String model) {
		this.exhaustedQuotas.add(Objects.requireNonNull(model, "model"));
	}

	/**
	 * Ends every {@link #exhaustQuota(String)}.
	 */
	public void clearExhaustedQuotas() {
		this.exhaustedQuotas.clear();
	}

	boolean quotaExhausted(String model) {
		return model != null && this.exhaustedQuotas.contains(model);
	}

	/**
	 * Answers every chat request for a model with a server error (Anthropic's {@code overloaded_error}
	 * for 529, OpenAI's {@code server_error}) until {@link #clearFailedModels()}, to test retries and
	 * falling back to another model while the others keep answering.
	 * @param model the model name, as the client sends it
	 * @param status the status, 500 to 599
	 */
	public void failModel(String model, int status) {
		this.failedModels.put(Objects.requireNonNull(model, "model"), requireServerError(status));
	}

	/**
	 * Ends every {@link #failModel(String, int)}.
	 */
	public void clearFailedModels() {
		this.failedModels.clear();
	}

	private static Duration requireRetryAfter(Duration retryAfter) {
		Objects.requireNonNull(retryAfter, "retryAfter");
		if (retryAfter.isNegative()) {
			throw new IllegalArgumentException("retryAfter must not be negative but was " + retryAfter);
		}
		return retryAfter;
	}

	private static int requireServerError(int status) {
		if (status < 500 || status > 599) {
			throw new IllegalArgumentException("status must be a server error (500-599) but was " + status);
		}
		return status;
	}

	/**
	 * Answers the next {@code count} chat requests with a server error before any work.
	 * @param count how many requests; {@code 0} cancels
	 * @param status the status, 500 to 599 (the body is the provider's for 500, 503 or 529)
	 */
	public void failNextRequests(int count, int status) {
		requireNotNegative(count);
		this.forcedFailureStatus = requireServerError(status);
		this.forcedFailures.set(count);
	}

	private static void requireNotNegative(int count) {
		if (count < 0) {
			throw new IllegalArgumentException("count must not be negative but was " + count);
		}
	}

	// --- used by SimulatorHandler ---

	RateWindows windows() {
		return this.windows;
	}

	StatsCounter counter() {
		return this.stats;
	}

	void received(ReceivedRequest request) {
		this.requestLog.add(request);
	}

	long nextSequence() {
		return this.sequence.incrementAndGet();
	}

	/**
	 * Makes the simulator answer like a model that uses the tools it is offered: an OpenAI request (not
	 * streamed) that offers tools, and whose conversation holds no tool result yet, is answered with a
	 * call of the first offered tool with empty arguments ({@code finish_reason: tool_calls}); the
	 * request that carries the tool's result gets a text answer. Off by default.
	 * @param on whether to call offered tools
	 */
	public void callOfferedTools(boolean on) {
		this.callOfferedTools = on;
	}

	boolean callsOfferedTools() {
		return this.callOfferedTools;
	}

	/** A forced failure status, or 0 when none is due. */
	int takeForcedFailure() {
		return takeOne(this.forcedFailures) ? this.forcedFailureStatus : 0;
	}

	boolean takeForcedRateLimit() {
		return takeOne(this.forcedRateLimits);
	}

	Duration forcedRetryAfter() {
		return FORCED_RETRY_AFTER;
	}

	/** The Retry-After for a rate-limited model, or {@code null} when the model is not. */
	Duration rateLimitedModel(String model) {
		return this.rateLimitedModels.get(model);
	}

	/** The status a failed model answers, or 0 when the model is not failed. */
	int failedModel(String model) {
		return this.failedModels.getOrDefault(model, 0);
	}

	PromptCache promptCache() {
		return this.promptCache;
	}

	/** A transient failure status drawn with the failure rate, or 0. */
	int drawTransientFailure(double failureRate) {
		if (failureRate <= 0.0) {
			return 0;
		}
		synchronized (this.randomLock) {
			if (this.random.nextDouble() >= failureRate) {
				return 0;
			}
			return TRANSIENT_STATUSES[this.random.nextInt(TRANSIENT_STATUSES.length)];
		}
	}

	private static boolean takeOne(AtomicInteger counter) {
		return counter.getAndUpdate((left) -> Math.max(0, left - 1)) > 0;
	}

	/**
	 * Formats a duration as OpenAI's reset headers do: {@code 20ms}, {@code 1.5s}, {@code 1m0s}.
	 * @param duration the duration
	 * @return the text
	 */
	static String formatDuration(Duration duration) {
		long millis = Math.max(0, duration.toMillis());
		if (millis < 1000) {
			return (millis == 0) ? "0s" : millis + "ms";
		}
		long minutes = millis / 60_000;
		String seconds = BigDecimal.valueOf(millis % 60_000, 3).stripTrailingZeros().toPlainString();
		return (minutes > 0) ? minutes + "m" + seconds + "s" : seconds + "s";
	}

	/**
	 * Whole seconds to announce in {@code Retry-After}: rounded up, at least 1.
	 * @param duration how long to wait
	 * @return the seconds
	 */
	static long retryAfterSeconds(Duration duration) {
		long millis = duration.toMillis();
		return Math.max(1, (millis + 999) / 1000);
	}

	private static final class DaemonThreads implements ThreadFactory {

		private final AtomicInteger count = new AtomicInteger();

		@Override
		public Thread newThread(Runnable task) {
			Thread thread = new Thread(task, "provider-simulator-" + this.count.incrementAndGet());
			thread.setDaemon(true);
			return thread;
		}

	}

	/**
	 * Builder of {@link ProviderSimulator}. The settings methods are those of
	 * {@link SimulatorSettings.Builder}.
	 */
	public static final class Builder {

		private String host = DEFAULT_HOST;

		private int port;

		private int threads = DEFAULT_THREADS;

		private Clock clock = Clock.systemUTC();

		private SimulatorSettings.Builder settings = SimulatorSettings.builder();

		private final Map<String, Duration> rateLimitedModels = new LinkedHashMap<>();

		private final Map<String, Integer> failedModels = new LinkedHashMap<>();

		private Neighbour neighbour;

		private Builder() {
		}

		/**
		 * A neighbour that draws from the limits from the start, and again after
		 * {@link ProviderSimulator#reset()}; see {@link ProviderSimulator#neighbour(Neighbour)}.
		 * @param neighbour the neighbour, e.g. {@code Neighbour.steady(0.4)}; {@code null} for none
		 * @return this builder
		 */
		public Builder neighbour(Neighbour neighbour) {
			this.neighbour = neighbour;
			return this;
		}

		/**
		 * Answers every chat request for a model with 429 ({@code Retry-After: 60}), from the start
		 * and again after {@link ProviderSimulator#reset()}; see
		 * {@link ProviderSimulator#rateLimitModel(String)}.
		 * @param model the model name, as the client sends it
		 * @return this builder
		 */
		public Builder rateLimitModel(String model) {
			return rateLimitModel(model, Duration.ofSeconds(60));
		}

		/**
		 * Answers every chat request for a model with 429 and the given {@code Retry-After}.
		 * @param model the model name, as the client sends it
		 * @param retryAfter the delay to announce (whole seconds, at least one)
		 * @return this builder
		 */
		public Builder rateLimitModel(String model, Duration retryAfter) {
			this.rateLimitedModels.put(Objects.requireNonNull(model, "model"), requireRetryAfter(retryAfter));
			return this;
		}

		/**
		 * Answers every chat request for a model with a server error, from the start and again after
		 * {@link ProviderSimulator#reset()}; see {@link ProviderSimulator#failModel(String, int)}.
		 * @param model the model name, as the client sends it
		 * @param status the status, 500 to 599
		 * @return this builder
		 */
		public Builder failModel(String model, int status) {
			this.failedModels.put(Objects.requireNonNull(model, "model"), requireServerError(status));
			return this;
		}

		/**
		 * The address to bind.
		 * @param host a host name or address; default {@code 127.0.0.1}
		 * @return this builder
		 */
		public Builder host(String host) {
			this.host = Objects.requireNonNull(host, "host");
			return this;
		}

		/**
		 * The port to bind.
		 * @param port the port; {@code 0} (the default) for a free one
		 * @return this builder
		 */
		public Builder port(int port) {
			if (port < 0 || port > 65535) {
				throw new IllegalArgumentException("port must be between 0 and 65535 but was " + port);
			}
			this.port = port;
			return this;
		}

		/**
		 * How many requests are served in parallel.
		 * @param threads the size of the thread pool; default 32
		 * @return this builder
		 */
		public Builder threads(int threads) {
			if (threads < 1) {
				throw new IllegalArgumentException("threads must be at least 1 but was " + threads);
			}
			this.threads = threads;
			return this;
		}

		/**
		 * The clock of the rate windows and of the {@code created} timestamps; tests pass a
		 * {@link ManualClock} and move it instead of sleeping.
		 * @param clock the clock; default the system clock
		 * @return this builder
		 */
		public Builder clock(Clock clock) {
			this.clock = Objects.requireNonNull(clock, "clock");
			return this;
		}

		/**
		 * Starts from the given settings (later settings methods change them).
		 * @param settings the settings
		 * @return this builder
		 */
		public Builder settings(SimulatorSettings settings) {
			this.settings = settings.toBuilder();
			return this;
		}

		/**
		 * See {@link SimulatorSettings.Builder#requestsPerMinute(long)}.
		 * @param requestsPerMinute the limit; {@code 0} for unlimited
		 * @return this builder
		 */
		public Builder requestsPerMinute(long requestsPerMinute) {
			this.settings.requestsPerMinute(requestsPerMinute);
			return this;
		}

		/**
		 * See {@link SimulatorSettings.Builder#tokensPerMinute(long)}.
		 * @param tokensPerMinute the limit; {@code 0} for unlimited
		 * @return this builder
		 */
		public Builder tokensPerMinute(long tokensPerMinute) {
			this.settings.tokensPerMinute(tokensPerMinute);
			return this;
		}

		/**
		 * See {@link SimulatorSettings.Builder#latency(Duration)}.
		 * @param latency the latency
		 * @return this builder
		 */
		public Builder latency(Duration latency) {
			this.settings.latency(latency);
			return this;
		}

		/**
		 * See {@link SimulatorSettings.Builder#chunkDelay(Duration)}.
		 * @param chunkDelay the pause between streamed chunks
		 * @return this builder
		 */
		public Builder chunkDelay(Duration chunkDelay) {
			this.settings.chunkDelay(chunkDelay);
			return this;
		}

		/**
		 * See {@link SimulatorSettings.Builder#failureRate(double)}.
		 * @param failureRate the probability, 0 to 1
		 * @return this builder
		 */
		public Builder failureRate(double failureRate) {
			this.settings.failureRate(failureRate);
			return this;
		}

		/**
		 * See {@link SimulatorSettings.Builder#outputTokens(int)}.
		 * @param outputTokens the answer length
		 * @return this builder
		 */
		public Builder outputTokens(int outputTokens) {
			this.settings.outputTokens(outputTokens);
			return this;
		}

		/**
		 * See {@link SimulatorSettings.Builder#contextWindow(int)}.
		 * @param contextWindow the context window
		 * @return this builder
		 */
		public Builder contextWindow(int contextWindow) {
			this.settings.contextWindow(contextWindow);
			return this;
		}

		/**
		 * See {@link SimulatorSettings.Builder#rateLimiting(RateLimiting)}.
		 * @param rateLimiting how the per-minute limits are counted
		 * @return this builder
		 */
		public Builder rateLimiting(RateLimiting rateLimiting) {
			this.settings.rateLimiting(rateLimiting);
			return this;
		}

		/**
		 * See {@link SimulatorSettings.Builder#seed(long)}.
		 * @param seed the seed of the failure draws
		 * @return this builder
		 */
		public Builder seed(long seed) {
			this.settings.seed(seed);
			return this;
		}

		/**
		 * Builds a simulator that is not yet running; call {@link ProviderSimulator#start()}.
		 * @return the simulator
		 * @throws IllegalArgumentException when a setting is out of range
		 */
		public ProviderSimulator build() {
			return new ProviderSimulator(this);
		}

	}

}

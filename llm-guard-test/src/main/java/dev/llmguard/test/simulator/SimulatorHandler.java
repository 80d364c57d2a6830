package dev.llmguard.test.simulator;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Routes requests and answers them in the order described on {@link ProviderSimulator}.
 */
final class SimulatorHandler implements HttpHandler {

	private static final System.Logger logger = System.getLogger(ProviderSimulator.class.getName());

	private static final String JSON = "application/json";

	private static final String EVENT_STREAM = "text/event-stream; charset=utf-8";

	private static final Dialect OPENAI = new OpenAiDialect();

	private static final Dialect ANTHROPIC = new AnthropicDialect();

	private static final Dialect RESPONSES = new OpenAiResponsesDialect();

	private final ProviderSimulator simulator;

	SimulatorHandler(ProviderSimulator simulator) {
		this.simulator = simulator;
	}

	@Override
	public void handle(HttpExchange exchange) throws IOException {
		try (exchange) {
			String path = exchange.getRequestURI().getPath();
			String method = exchange.getRequestMethod();
			byte[] body = readBody(exchange);
			if (!path.startsWith("/stats")) {
				this.simulator.received(new ReceivedRequest(method, path, exchange.getRequestURI().getRawQuery(),
						exchange.getRequestHeaders().getFirst("Content-Type"), body));
			}
			switch (path) {
				case "/stats" -> stats(exchange, method);
				case "/stats/reset" -> resetStats(exchange, method);
				case "/v1/chat/completions", "/chat/completions" -> chat(exchange, OPENAI, method, path, body);
				case "/v1/responses", "/responses" -> chat(exchange, RESPONSES, method, path, body);
				case "/v1/messages" -> chat(exchange, ANTHROPIC, method, path, body);
				default -> send(exchange, 404, JSON, OPENAI.notFound(404, method, path));
			}
		}
		catch (IOException ex) {
			// the client went away; nothing to answer
			logger.log(System.Logger.Level.DEBUG, () -> "Provider simulator lost a client: " + ex.getMessage());
		}
		catch (RuntimeException ex) {
			logger.log(System.Logger.Level.WARNING, "Provider simulator failed to answer a request", ex);
		}
	}

	private static byte[] readBody(HttpExchange exchange) throws IOException {
		try (InputStream in = exchange.getRequestBody()) {
			return in.readAllBytes();
		}
	}

	private void stats(HttpExchange exchange, String method) throws IOException {
		if (!"GET".equals(method)) {
			send(exchange, 405, JSON, OPENAI.notFound(405, method, "/stats"));
			return;
		}
		SimulatorStats stats = this.simulator.stats();
		ObjectNode json = Json.object();
		json.put("requests", stats.requests());
		json.put("succeeded", stats.succeeded());
		json.put("rateLimited", stats.rateLimited());
		json.put("failed", stats.failed());
		json.put("inputTokens", stats.inputTokens());
		json.put("outputTokens", stats.outputTokens());
		send(exchange, 200, JSON, Json.bytes(json));
	}

	private void resetStats(HttpExchange exchange, String method) throws IOException {
		if (!"POST".equals(method)) {
			send(exchange, 405, JSON, OPENAI.notFound(405, method, "/stats/reset"));
			return;
		}
		this.simulator.resetStats();
		exchange.sendResponseHeaders(204, -1);
	}

	private void chat(HttpExchange exchange, Dialect dialect, String method, String path, byte[] body)
			throws IOException {
		StatsCounter counter = this.simulator.counter();
		counter.request();
		if (!"POST".equals(method)) {
			counter.failed();
			send(exchange, 405, JSON, dialect.notFound(405, method, path));
			return;
		}
		SimulatorSettings settings = this.simulator.settings();
		int forcedStatus = this.simulator.takeForcedFailure();
		int status = (forcedStatus != 0) ? forcedStatus : 0;
		if (status == 0 && this.simulator.takeForcedRateLimit()) {
			rateLimited(exchange, dialect, null, new Dialect.Rejection(null, "requests", 0, 0, 1,
					this.simulator.forcedRetryAfter(), false));
			return;
		}
		if (status == 0) {
			status = this.simulator.drawTransientFailure(settings.failureRate());
		}
		if (status != 0) {
			counter.failed();
			logger.log(System.Logger.Level.DEBUG, "Provider simulator answers {0} as a transient failure", status);
			send(exchange, status, JSON, dialect.transientFailure(status));
			return;
		}
		ChatRequest request;
		try {
			request = dialect.parse(parseJson(body));
		}
		catch (InvalidRequestException ex) {
			counter.failed();
			send(exchange, 400, JSON, dialect.invalidRequest(ex.getMessage(), ex.param(), ex.code()));
			return;
		}
		int modelFailure = this.simulator.failedModel(request.model());
		if (modelFailure != 0) {
			counter.failed();
			logger.log(System.Logger.Level.DEBUG, "Provider simulator fails a request for a failed model with {0}",
					modelFailure);
			send(exchange, modelFailure, JSON, dialect.transientFailure(modelFailure));
			return;
		}
		if (this.simulator.quotaExhausted(request.model())) {
			counter.rateLimited();
			send(exchange, 429, JSON, OpenAiDialect.error("You exceeded your current quota, please check your plan "
					+ "and billing details.", "insufficient_quota", null, "insufficient_quota"));
			return;
		}
		Duration modelRetryAfter = this.simulator.rateLimitedModel(request.model());
		if (modelRetryAfter != null) {
			rateLimited(exchange, dialect, null,
					new Dialect.Rejection(request.model(), "requests", 0, 0, 1, modelRetryAfter, false));
			return;
		}
		Tokenizer tokenizer = Tokenizer.forModel(request.model());
		int promptTokens = request.promptTokens(tokenizer);
		int requestedOutput = dialect.requestedOutput(request, settings.outputTokens());
		if ((long) promptTokens + requestedOutput > settings.contextWindow()) {
			counter.failed();
			send(exchange, 400, JSON,
					dialect.contextLengthExceeded(promptTokens, requestedOutput, settings.contextWindow()));
			return;
		}
		long now = this.simulator.clock().millis();
		RateWindows.Decision decision = this.simulator.windows()
			.tryAdmit((long) promptTokens + requestedOutput, settings.requestsPerMinute(), settings.tokensPerMinute(),
					now, settings.rateLimiting());
		if (!decision.admitted()) {
			boolean requests = decision.outcome() == RateWindows.Outcome.REQUESTS_EXCEEDED;
			long limit = requests ? settings.requestsPerMinute() : settings.tokensPerMinute();
			rateLimited(exchange, dialect, decision.windows(),
					new Dialect.Rejection(request.model(), requests ? "requests" : "tokens", limit, decision.used(),
							decision.requested(), decision.retryAfter(),
							decision.outcome() == RateWindows.Outcome.REQUEST_TOO_LARGE));
			return;
		}
		if (!pause(settings.latency())) {
			counter.failed();
			return;
		}
		int outputTokens = Math.min(settings.outputTokens(), requestedOutput);
		List<String> pieces = tokenizer.answer(outputTokens, request.answerSeed());
		Answer answer = cached(request, tokenizer, now, new Answer(dialect.newId(this.simulator.nextSequence()),
				now / 1000, pieces, outputTokens < settings.outputTokens(), promptTokens));
		dialect.rateLimitHeaders(exchange.getResponseHeaders(), decision.windows(), Instant.ofEpochMilli(now));
		if (request.stream()) {
			stream(exchange, dialect, request, answer, settings.chunkDelay(), counter);
		}
		else {
			byte[] toolCall = (this.simulator.callsOfferedTools() && request.offeredTool() != null)
					? dialect.toolCall(request, answer) : null;
			counter.succeeded(promptTokens);
			counter.output(answer.tokens());
			send(exchange, 200, JSON, (toolCall != null) ? toolCall : dialect.completion(request, answer));
		}
	}

	// a prefix marked for caching and long enough is read from the prompt cache, or written to it
	private Answer cached(ChatRequest request, Tokenizer tokenizer, long now, Answer answer) {
		int prefix = request.cachePrefixTokens(tokenizer);
		if (prefix < PromptCache.MIN_TOKENS) {
			return answer;
		}
		boolean oneHour = request.cacheBreakpoint().oneHour();
		boolean read = this.simulator.promptCache()
			.readOrWrite(request.cachePrefixKey(), now, oneHour ? Duration.ofHours(1) : Duration.ofMinutes(5));
		return new Answer(answer.id(), answer.created(), answer.pieces(), answer.truncated(), answer.promptTokens(),
				read ? prefix : 0, read ? 0 : prefix, oneHour && !read);
	}

	private void stream(HttpExchange exchange, Dialect dialect, ChatRequest request, Answer answer,
			Duration chunkDelay, StatsCounter counter) throws IOException {
		exchange.getResponseHeaders().set("Content-Type", EVENT_STREAM);
		exchange.getResponseHeaders().set("Cache-Control", "no-cache");
		exchange.sendResponseHeaders(200, 0);
		counter.succeeded(answer.promptTokens());
		OutputStream out = exchange.getResponseBody();
		EventStream events = new EventStream(out, chunkDelay);
		try (out) {
			dialect.stream(request, answer, events);
		}
		finally {
			counter.output(events.writtenTokens());
		}
	}

	private static JsonNode parseJson(byte[] body) {
		JsonNode json;
		try {
			json = Json.MAPPER.readTree(body);
		}
		catch (JacksonException ex) {
			throw new InvalidRequestException("We could not parse the JSON body of your request. The API expects a "
					+ "JSON payload, but what was sent was not valid JSON: " + ex.getOriginalMessage(), null, null);
		}
		if (json == null || !json.isObject()) {
			throw new InvalidRequestException("We could not parse the JSON body of your request. The API expects a "
					+ "JSON object as payload.", null, null);
		}
		return json;
	}

	private void rateLimited(HttpExchange exchange, Dialect dialect, RateWindows.Snapshot windows,
			Dialect.Rejection rejection) throws IOException {
		this.simulator.counter().rateLimited();
		long now = this.simulator.clock().millis();
		SimulatorSettings settings = this.simulator.settings();
		RateWindows.Snapshot current = (windows != null) ? windows
				: this.simulator.windows().snapshot(settings.requestsPerMinute(), settings.tokensPerMinute(), now,
						settings.rateLimiting());
		dialect.rateLimitHeaders(exchange.getResponseHeaders(), current, Instant.ofEpochMilli(now));
		exchange.getResponseHeaders()
			.set("Retry-After", Long.toString(ProviderSimulator.retryAfterSeconds(rejection.retryAfter())));
		logger.log(System.Logger.Level.DEBUG, "Provider simulator answers 429 on {0}, retry after {1}",
				rejection.window(), rejection.retryAfter());
		send(exchange, 429, JSON, dialect.rateLimited(rejection));
	}

	// false when interrupted because the simulator is stopping
	private static boolean pause(Duration latency) {
		if (latency.isZero()) {
			return true;
		}
		try {
			Thread.sleep(latency.toMillis(), latency.toNanosPart() % 1_000_000);
			return true;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return false;
		}
	}

	private static void send(HttpExchange exchange, int status, String contentType, byte[] body) throws IOException {
		exchange.getResponseHeaders().set("Content-Type", contentType);
		exchange.sendResponseHeaders(status, body.length);
		try (OutputStream out = exchange.getResponseBody()) {
			out.write(body);
		}
	}

}

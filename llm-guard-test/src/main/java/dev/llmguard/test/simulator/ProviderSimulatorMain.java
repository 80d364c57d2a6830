package dev.llmguard.test.simulator;

import java.io.PrintStream;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;

/**
 * Runs a {@link ProviderSimulator} from the command line until the process is stopped:
 * <pre>
 * java -cp ... dev.llmguard.test.simulator.ProviderSimulatorMain --port=8089 --requests-per-minute=60
 * </pre>
 * Run with {@code --help} for the options.
 */
public final class ProviderSimulatorMain {

	private static final String USAGE = """
			Usage: ProviderSimulatorMain [options]

			An OpenAI- and Anthropic-style chat API for offline tests.
			  POST /v1/chat/completions   OpenAI chat completions (plain and stream)
			  POST /v1/responses          OpenAI responses (plain and stream)
			  POST /v1/messages           Anthropic messages (plain and stream)
			  GET  /stats                 counts since start or reset
			  POST /stats/reset           zeroes the counts and the rate windows

			Options:
			  --host=ADDRESS              address to bind (default 127.0.0.1)
			  --port=N                    port to bind, 0 for a free one (default 8089)
			  --requests-per-minute=N     requests per minute, 0 for unlimited (default 0)
			  --tokens-per-minute=N       tokens per minute, 0 for unlimited (default 0)
			  --rate-limiting=MODE        token-bucket (refills continuously, as the providers do)
			                              or sliding-window (any 60 s) (default token-bucket)
			  --latency=DURATION          wait before each answer, e.g. 200ms, 1s, PT0.5S (default 0)
			  --chunk-delay=DURATION      wait between streamed chunks (default 0)
			  --failure-rate=P            share of requests failing with 500/503/529, 0..1 (default 0)
			  --output-tokens=N           answer length in tokens (default 40)
			  --context-window=N          context window in tokens (default 128000)
			  --seed=N                    seed of the failure draws (default 42)
			  --rate-limit-model=MODEL[,DURATION]
			                              answer every request for MODEL with 429 and this
			                              Retry-After (default 60s); repeat for more models
			  --fail-model=MODEL[,STATUS] answer every request for MODEL with this server error,
			                              e.g. 529 overloaded (default 503); repeat for more models
			  --neighbour=SHARE           another service on the same key, unseen by the client,
			                              takes SHARE (0..1) of the per-minute limits, e.g. 0.4;
			                              MIN-MAX/PERIOD varies it, e.g. 0.2-0.6/2m (default none)
			  --threads=N                 requests served in parallel (default 32)
			  --help                      print this help
			""";

	private ProviderSimulatorMain() {
	}

	/**
	 * Starts the simulator and waits until the process is stopped.
	 * @param args the options, see {@code --help}
	 * @throws InterruptedException when the main thread is interrupted
	 */
	public static void main(String[] args) throws InterruptedException {
		ProviderSimulator simulator;
		try {
			simulator = parse(args);
		}
		catch (IllegalArgumentException ex) {
			System.err.println(ex.getMessage());
			System.err.println();
			System.err.print(USAGE);
			System.exit(2);
			return;
		}
		if (simulator == null) {
			System.out.print(USAGE);
			return;
		}
		simulator.start();
		CountDownLatch stopped = new CountDownLatch(1);
		Runtime.getRuntime().addShutdownHook(new Thread(() -> {
			simulator.stop();
			stopped.countDown();
		}, "provider-simulator-shutdown"));
		printStarted(simulator, System.out);
		stopped.await();
	}

	/**
	 * Builds a simulator from command-line options.
	 * @param args the options
	 * @return the simulator, not started, or {@code null} when help was asked for
	 * @throws IllegalArgumentException when an option is unknown or its value is invalid
	 */
	static ProviderSimulator parse(String... args) {
		ProviderSimulator.Builder builder = ProviderSimulator.builder().port(8089);
		for (String arg : args) {
			if ("--help".equals(arg) || "-h".equals(arg)) {
				return null;
			}
			if (!arg.startsWith("--") || arg.indexOf('=') < 0) {
				throw new IllegalArgumentException("Unknown argument '" + arg + "'; options look like --name=value");
			}
			String name = arg.substring(2, arg.indexOf('='));
			String value = arg.substring(arg.indexOf('=') + 1).trim();
			try {
				switch (name) {
					case "host" -> builder.host(value);
					case "port" -> builder.port(Integer.parseInt(value));
					case "requests-per-minute" -> builder.requestsPerMinute(Long.parseLong(value));
					case "tokens-per-minute" -> builder.tokensPerMinute(Long.parseLong(value));
					case "rate-limiting" -> builder.rateLimiting(parseRateLimiting(value));
					case "latency" -> builder.latency(parseDuration(value));
					case "chunk-delay" -> builder.chunkDelay(parseDuration(value));
					case "failure-rate" -> builder.failureRate(Double.parseDouble(value));
					case "output-tokens" -> builder.outputTokens(Integer.parseInt(value));
					case "context-window" -> builder.contextWindow(Integer.parseInt(value));
					case "seed" -> builder.seed(Long.parseLong(value));
					case "rate-limit-model" -> rateLimitModel(builder, value);
					case "fail-model" -> failModel(builder, value);
					case "threads" -> builder.threads(Integer.parseInt(value));
					case "neighbour" -> builder.neighbour(Neighbour.parse(value));
					default -> throw new IllegalArgumentException("Unknown option --" + name);
				}
			}
			catch (NumberFormatException ex) {
				throw new IllegalArgumentException("Option --" + name + " needs a number but was '" + value + "'");
			}
		}
		return builder.build();
	}

	/**
	 * Reads {@code 200ms}, {@code 2s}, {@code 1m}, a plain number of milliseconds, or ISO-8601
	 * ({@code PT0.2S}).
	 * @param text the text
	 * @return the duration
	 * @throws IllegalArgumentException when the text is none of these
	 */
	static Duration parseDuration(String text) {
		String value = text.trim().toLowerCase(Locale.ROOT);
		try {
			if (value.startsWith("pt") || value.startsWith("p")) {
				return Duration.parse(text.trim());
			}
			if (value.endsWith("ms")) {
				return Duration.ofMillis(Long.parseLong(value.substring(0, value.length() - 2).trim()));
			}
			if (value.endsWith("s")) {
				return Duration.ofMillis(Math.round(Double.parseDouble(value.substring(0, value.length() - 1)) * 1000));
			}
			if (value.endsWith("m")) {
				return Duration.ofMinutes(Long.parseLong(value.substring(0, value.length() - 1).trim()));
			}
			return Duration.ofMillis(Long.parseLong(value));
		}
		catch (NumberFormatException | DateTimeParseException ex) {
			throw new IllegalArgumentException(
					"'" + text + "' is not a duration; use for example 200ms, 2s, 1m or PT0.2S");
		}
	}

	static void printStarted(ProviderSimulator simulator, PrintStream out) {
		SimulatorSettings settings = simulator.settings();
		out.println("Provider simulator listening on " + simulator.baseUrl());
		out.println("  OpenAI base URL:    " + simulator.openAiBaseUrl());
		out.println("  Anthropic base URL: " + simulator.baseUrl());
		out.println("  Stats:              " + simulator.baseUrl() + "/stats");
		out.println("  requests/min=" + limit(settings.requestsPerMinute()) + " tokens/min="
				+ limit(settings.tokensPerMinute()) + " rate-limiting="
				+ settings.rateLimiting().name().toLowerCase(Locale.ROOT).replace('_', '-') + " latency="
				+ settings.latency().toMillis() + "ms failure-rate="
				+ settings.failureRate() + " output-tokens=" + settings.outputTokens() + " context-window="
				+ settings.contextWindow() + ((simulator.neighbour() != null) ? " neighbour="
						+ simulator.neighbour() : ""));
	}

	private static void rateLimitModel(ProviderSimulator.Builder builder, String value) {
		int comma = value.lastIndexOf(',');
		String model = (comma < 0) ? value : value.substring(0, comma).trim();
		requireModel("rate-limit-model", model);
		builder.rateLimitModel(model, (comma < 0) ? Duration.ofSeconds(60) : parseDuration(value.substring(comma + 1)));
	}

	private static void failModel(ProviderSimulator.Builder builder, String value) {
		int comma = value.lastIndexOf(',');
		String model = (comma < 0) ? value : value.substring(0, comma).trim();
		requireModel("fail-model", model);
		int status = (comma < 0) ? 503 : Integer.parseInt(value.substring(comma + 1).trim());
		builder.failModel(model, status);
	}

	private static void requireModel(String option, String model) {
		if (model.isEmpty()) {
			throw new IllegalArgumentException("Option --" + option + " needs a model name, e.g. --" + option
					+ "=claude-sonnet-4-5");
		}
	}

	private static RateLimiting parseRateLimiting(String value) {
		return switch (value.toLowerCase(Locale.ROOT)) {
			case "token-bucket" -> RateLimiting.TOKEN_BUCKET;
			case "sliding-window" -> RateLimiting.SLIDING_WINDOW;
			default -> throw new IllegalArgumentException(
					"Option --rate-limiting must be token-bucket or sliding-window but was '" + value + "'");
		};
	}

	private static String limit(long value) {
		return (value > 0) ? Long.toString(value) : "unlimited";
	}

}

package dev.llmguard.test.junit;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

import dev.llmguard.test.simulator.ManualClock;
import dev.llmguard.test.simulator.ProviderSimulator;
import dev.llmguard.test.simulator.RateLimiting;
import dev.llmguard.test.simulator.SimulatorSettings;
import dev.llmguard.test.simulator.SimulatorStats;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * JUnit 5 extension that runs a {@link ProviderSimulator} for a test class.
 * <p>
 * Registered on a static field, the simulator starts before all tests and stops after them;
 * registered on an instance field, it runs around each test:
 *
 * <pre>{@code
 * @RegisterExtension
 * static ProviderSimulatorExtension simulator = ProviderSimulatorExtension.builder()
 *     .requestsPerMinute(60)
 *     .build();
 *
 * @Test
 * void callsTheModel() {
 *     String baseUrl = simulator.openAiBaseUrl();
 *     ...
 *     assertThat(simulator.stats().succeeded()).isEqualTo(1);
 * }
 * }</pre>
 *
 * Or declaratively with {@link EnableProviderSimulator}. Either way, before each test the simulator
 * is {@linkplain ProviderSimulator#reset() reset} (settings it was built with, no forced answers,
 * zero counts, rate limits full again), and parameters of type {@link ProviderSimulator} (and
 * {@link ManualClock} when the simulator runs on one) are resolved. Tests that share one simulator
 * must not run concurrently with each other.
 */
public final class ProviderSimulatorExtension
		implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback, ParameterResolver {

	private final ProviderSimulator configured;

	private ProviderSimulator simulator;

	private int classUsers;

	private boolean startedForTest;

	/**
	 * Creates an extension configured by {@link EnableProviderSimulator} on the test class (or with
	 * the defaults when the class has none). Use {@link #builder()} for {@code @RegisterExtension}.
	 */
	public ProviderSimulatorExtension() {
		this.configured = null;
	}

	private ProviderSimulatorExtension(ProviderSimulator simulator) {
		this.configured = simulator;
		this.simulator = simulator;
	}

	/**
	 * A builder for {@code @RegisterExtension} fields.
	 * @return a new builder with the default settings
	 */
	public static Builder builder() {
		return new Builder();
	}

	/**
	 * The simulator.
	 * @return the simulator (running while tests run)
	 * @throws IllegalStateException when used outside the tests of an annotated class
	 */
	public synchronized ProviderSimulator simulator() {
		if (this.simulator == null) {
			throw new IllegalStateException(
					"The provider simulator exists only while the tests of its class run; use a ProviderSimulator parameter");
		}
		return this.simulator;
	}

	/**
	 * Shortcut for {@code simulator().baseUrl()}.
	 * @return the root URL, for Anthropic clients
	 */
	public String baseUrl() {
		return simulator().baseUrl();
	}

	/**
	 * Shortcut for {@code simulator().openAiBaseUrl()}.
	 * @return the root URL followed by {@code /v1}, for OpenAI clients
	 */
	public String openAiBaseUrl() {
		return simulator().openAiBaseUrl();
	}

	/**
	 * Shortcut for {@code simulator().port()}.
	 * @return the port
	 */
	public int port() {
		return simulator().port();
	}

	/**
	 * Shortcut for {@code simulator().stats()}.
	 * @return the counts since the test started
	 */
	public SimulatorStats stats() {
		return simulator().stats();
	}

	@Override
	public synchronized void beforeAll(ExtensionContext context) {
		ensureRunning(context);
		this.classUsers++;
	}

	@Override
	public synchronized void afterAll(ExtensionContext context) {
		this.classUsers = Math.max(0, this.classUsers - 1);
		if (this.classUsers == 0) {
			stop();
		}
	}

	@Override
	public synchronized void beforeEach(ExtensionContext context) {
		if (this.simulator == null || !this.simulator.isRunning()) {
			ensureRunning(context);
			this.startedForTest = this.classUsers == 0;
		}
		this.simulator.reset();
	}

	@Override
	public synchronized void afterEach(ExtensionContext context) {
		if (this.startedForTest) {
			this.startedForTest = false;
			stop();
		}
	}

	@Override
	public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
		Class<?> type = parameterContext.getParameter().getType();
		if (type == ProviderSimulator.class) {
			return true;
		}
		if (type == ManualClock.class) {
			synchronized (this) {
				ProviderSimulator current = (this.simulator != null) ? this.simulator : this.configured;
				return (current != null) ? current.clock() instanceof ManualClock
						: annotation(extensionContext).map(EnableProviderSimulator::manualClock).orElse(false);
			}
		}
		return false;
	}

	@Override
	public synchronized Object resolveParameter(ParameterContext parameterContext,
			ExtensionContext extensionContext) {
		ensureRunning(extensionContext);
		if (parameterContext.getParameter().getType() == ManualClock.class) {
			return this.simulator.clock();
		}
		return this.simulator;
	}

	private void ensureRunning(ExtensionContext context) {
		if (this.simulator == null) {
			this.simulator = fromAnnotation(context);
		}
		if (!this.simulator.isRunning()) {
			this.simulator.start();
		}
	}

	private void stop() {
		if (this.simulator != null) {
			this.simulator.stop();
			if (this.configured == null) {
				this.simulator = null;
			}
		}
	}

	private static ProviderSimulator fromAnnotation(ExtensionContext context) {
		EnableProviderSimulator annotation = annotation(context).orElse(null);
		ProviderSimulator.Builder builder = ProviderSimulator.builder();
		if (annotation == null) {
			return builder.build();
		}
		try {
			builder.port(annotation.port())
				.requestsPerMinute(annotation.requestsPerMinute())
				.tokensPerMinute(annotation.tokensPerMinute())
				.latency(Duration.ofMillis(annotation.latencyMillis()))
				.failureRate(annotation.failureRate())
				.outputTokens(annotation.outputTokens())
				.contextWindow(annotation.contextWindow())
				.rateLimiting(annotation.rateLimiting())
				.seed(annotation.seed());
			if (annotation.manualClock()) {
				builder.clock(new ManualClock());
			}
			return builder.build();
		}
		catch (IllegalArgumentException ex) {
			throw new ExtensionConfigurationException("@EnableProviderSimulator is invalid: " + ex.getMessage(), ex);
		}
	}

	// the annotation on the test class or, for @Nested classes, on an enclosing class
	private static Optional<EnableProviderSimulator> annotation(ExtensionContext context) {
		Class<?> type = context.getTestClass().orElse(null);
		while (type != null) {
			Optional<EnableProviderSimulator> found = AnnotationSupport.findAnnotation(type,
					EnableProviderSimulator.class);
			if (found.isPresent()) {
				return found;
			}
			type = type.getEnclosingClass();
		}
		return Optional.empty();
	}

	/**
	 * Builder of {@link ProviderSimulatorExtension}; the settings methods are those of
	 * {@link ProviderSimulator.Builder}.
	 */
	public static final class Builder {

		private final ProviderSimulator.Builder simulator = ProviderSimulator.builder();

		private Builder() {
		}

		/**
		 * Starts from the given settings.
		 * @param settings the settings
		 * @return this builder
		 */
		public Builder settings(SimulatorSettings settings) {
			this.simulator.settings(settings);
			return this;
		}

		/**
		 * Requests per minute (see {@link #rateLimiting(RateLimiting)}).
		 * @param requestsPerMinute the limit; {@code 0} for unlimited
		 * @return this builder
		 */
		public Builder requestsPerMinute(long requestsPerMinute) {
			this.simulator.requestsPerMinute(requestsPerMinute);
			return this;
		}

		/**
		 * Tokens per minute (see {@link #rateLimiting(RateLimiting)}).
		 * @param tokensPerMinute the limit; {@code 0} for unlimited
		 * @return this builder
		 */
		public Builder tokensPerMinute(long tokensPerMinute) {
			this.simulator.tokensPerMinute(tokensPerMinute);
			return this;
		}

		/**
		 * Wait before each successful answer.
		 * @param latency the latency
		 * @return this builder
		 */
		public Builder latency(Duration latency) {
			this.simulator.latency(latency);
			return this;
		}

		/**
		 * Pause between two chunks of a streamed answer.
		 * @param chunkDelay the pause
		 * @return this builder
		 */
		public Builder chunkDelay(Duration chunkDelay) {
			this.simulator.chunkDelay(chunkDelay);
			return this;
		}

		/**
		 * Probability (0..1) of a transient 500, 503 or 529.
		 * @param failureRate the probability
		 * @return this builder
		 */
		public Builder failureRate(double failureRate) {
			this.simulator.failureRate(failureRate);
			return this;
		}

		/**
		 * Answer length in tokens.
		 * @param outputTokens the length
		 * @return this builder
		 */
		public Builder outputTokens(int outputTokens) {
			this.simulator.outputTokens(outputTokens);
			return this;
		}

		/**
		 * Context window in tokens.
		 * @param contextWindow the window
		 * @return this builder
		 */
		public Builder contextWindow(int contextWindow) {
			this.simulator.contextWindow(contextWindow);
			return this;
		}

		/**
		 * How the per-minute limits are counted.
		 * @param rateLimiting token bucket (the default) or sliding window
		 * @return this builder
		 */
		public Builder rateLimiting(RateLimiting rateLimiting) {
			this.simulator.rateLimiting(rateLimiting);
			return this;
		}

		/**
		 * Seed of the failure draws.
		 * @param seed the seed
		 * @return this builder
		 */
		public Builder seed(long seed) {
			this.simulator.seed(seed);
			return this;
		}

		/**
		 * Port to bind.
		 * @param port the port; {@code 0} (the default) for a free one
		 * @return this builder
		 */
		public Builder port(int port) {
			this.simulator.port(port);
			return this;
		}

		/**
		 * Clock of the rate windows; pass a {@link ManualClock} to move time in tests.
		 * @param clock the clock
		 * @return this builder
		 */
		public Builder clock(Clock clock) {
			this.simulator.clock(clock);
			return this;
		}

		/**
		 * Builds the extension; its simulator starts when the tests start.
		 * @return the extension
		 */
		public ProviderSimulatorExtension build() {
			return new ProviderSimulatorExtension(this.simulator.build());
		}

	}

}

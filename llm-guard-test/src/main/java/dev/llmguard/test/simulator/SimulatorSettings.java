package dev.llmguard.test.simulator;

import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link ProviderSimulator} behaves: its own rate limits, latency, transient failures, answer
 * length and context window. Immutable; build one with {@link #builder()} or derive one with
 * {@link #toBuilder()}, and hand it to {@link ProviderSimulator#update(SimulatorSettings)} to change
 * a running simulator.
 *
 * @param requestsPerMinute requests per minute; {@code 0} means unlimited
 * @param tokensPerMinute tokens per minute (prompt tokens plus the requested output, see
 * {@link ProviderSimulator}); {@code 0} means unlimited
 * @param latency how long a successful answer waits before its first byte
 * @param chunkDelay pause between two content chunks of a streamed answer
 * @param failureRate probability (0..1) that a request fails with 500, 503 or 529 before any work
 * @param outputTokens length of the answer in tokens when the request asks for no fewer
 * @param contextWindow the model's context window: prompt tokens plus requested output above it is a
 * 400 {@code context_length_exceeded}
 * @param seed seed of the random source that draws transient failures
 * @param rateLimiting how the per-minute limits are counted: a continuously refilled bucket like the
 * providers' (the default) or a sliding 60-second window
 */
public record SimulatorSettings(long requestsPerMinute, long tokensPerMinute, Duration latency,
		Duration chunkDelay, double failureRate, int outputTokens, int contextWindow, long seed,
		RateLimiting rateLimiting) {

	/** Default answer length in tokens. */
	public static final int DEFAULT_OUTPUT_TOKENS = 40;

	/** Default context window in tokens. */
	public static final int DEFAULT_CONTEXT_WINDOW = 128_000;

	/** Default seed of the failure draws. */
	public static final long DEFAULT_SEED = 42L;

	/**
	 * Creates settings; prefer {@link #builder()}.
	 * @param requestsPerMinute requests per minute, {@code 0} for unlimited
	 * @param tokensPerMinute tokens per minute, {@code 0} for unlimited
	 * @param latency wait before each successful answer
	 * @param chunkDelay pause between streamed chunks
	 * @param failureRate probability of a transient failure, 0 to 1
	 * @param outputTokens answer length in tokens, at least 1
	 * @param contextWindow context window in tokens, at least 1
	 * @param seed seed of the failure draws
	 * @throws IllegalArgumentException when a value is out of range
	 */
	public SimulatorSettings {
		Objects.requireNonNull(latency, "latency");
		Objects.requireNonNull(chunkDelay, "chunkDelay");
		Objects.requireNonNull(rateLimiting, "rateLimiting");
		requireNotNegative("requestsPerMinute", requestsPerMinute);
		requireNotNegative("tokensPerMinute", tokensPerMinute);
		if (latency.isNegative()) {
			throw new IllegalArgumentException("latency must not be negative but was " + latency);
		}
		if (chunkDelay.isNegative()) {
			throw new IllegalArgumentException("chunkDelay must not be negative but was " + chunkDelay);
		}
		if (!(failureRate >= 0.0 && failureRate <= 1.0)) {
			throw new IllegalArgumentException("failureRate must be between 0 and 1 but was " + failureRate);
		}
		if (outputTokens < 1) {
			throw new IllegalArgumentException("outputTokens must be at least 1 but was " + outputTokens);
		}
		if (contextWindow < 1) {
			throw new IllegalArgumentException("contextWindow must be at least 1 but was " + contextWindow);
		}
	}

	private static void requireNotNegative(String name, long value) {
		if (value < 0) {
			throw new IllegalArgumentException(name + " must be 0 (unlimited) or more but was " + value);
		}
	}

	/**
	 * Settings with no limits, no latency, no failures, 40-token answers and a 128k context window.
	 * @return the defaults
	 */
	public static SimulatorSettings defaults() {
		return builder().build();
	}

	/**
	 * A builder that starts from the {@linkplain #defaults() defaults}.
	 * @return a new builder
	 */
	public static Builder builder() {
		return new Builder();
	}

	/**
	 * A builder that starts from these settings.
	 * @return a new builder
	 */
	public Builder toBuilder() {
		return new Builder().requestsPerMinute(this.requestsPerMinute)
			.tokensPerMinute(this.tokensPerMinute)
			.latency(this.latency)
			.chunkDelay(this.chunkDelay)
			.failureRate(this.failureRate)
			.outputTokens(this.outputTokens)
			.contextWindow(this.contextWindow)
			.seed(this.seed)
			.rateLimiting(this.rateLimiting);
	}

	/**
	 * Whether requests are limited.
	 * @return {@code true} when {@link #requestsPerMinute()} is set
	 */
	public boolean limitsRequests() {
		return this.requestsPerMinute > 0;
	}

	/**
	 * Whether tokens are limited.
	 * @return {@code true} when {@link #tokensPerMinute()} is set
	 */
	public boolean limitsTokens() {
		return this.tokensPerMinute > 0;
	}

	/**
	 * Builder of {@link SimulatorSettings}.
	 */
	public static final class Builder {

		private long requestsPerMinute;

		private long tokensPerMinute;

		private Duration latency = Duration.ZERO;

		private Duration chunkDelay = Duration.ZERO;

		private double failureRate;

		private int outputTokens = DEFAULT_OUTPUT_TOKENS;

		private int contextWindow = DEFAULT_CONTEXT_WINDOW;

		private long seed = DEFAULT_SEED;

		private RateLimiting rateLimiting = RateLimiting.TOKEN_BUCKET;

		private Builder() {
		}

		/**
		 * Requests per minute, counted as {@link #rateLimiting(RateLimiting)} says.
		 * @param requestsPerMinute the limit; {@code 0} or {@code null} for unlimited
		 * @return this builder
		 */
		public Builder requestsPerMinute(Long requestsPerMinute) {
			this.requestsPerMinute = (requestsPerMinute != null) ? requestsPerMinute : 0;
			return this;
		}

		/**
		 * Requests per minute, counted as {@link #rateLimiting(RateLimiting)} says.
		 * @param requestsPerMinute the limit; {@code 0} for unlimited
		 * @return this builder
		 */
		public Builder requestsPerMinute(long requestsPerMinute) {
			this.requestsPerMinute = requestsPerMinute;
			return this;
		}

		/**
		 * Tokens per minute, counted as {@link #rateLimiting(RateLimiting)} says.
		 * @param tokensPerMinute the limit; {@code 0} or {@code null} for unlimited
		 * @return this builder
		 */
		public Builder tokensPerMinute(Long tokensPerMinute) {
			this.tokensPerMinute = (tokensPerMinute != null) ? tokensPerMinute : 0;
			return this;
		}

		/**
		 * Tokens per minute, counted as {@link #rateLimiting(RateLimiting)} says.
		 * @param tokensPerMinute the limit; {@code 0} for unlimited
		 * @return this builder
		 */
		public Builder tokensPerMinute(long tokensPerMinute) {
			this.tokensPerMinute = tokensPerMinute;
			return this;
		}

		/**
		 * How long a successful answer waits before its first byte (real time, not the injected clock).
		 * @param latency the latency; {@code null} for none
		 * @return this builder
		 */
		public Builder latency(Duration latency) {
			this.latency = (latency != null) ? latency : Duration.ZERO;
			return this;
		}

		/**
		 * Pause between two content chunks of a streamed answer (real time).
		 * @param chunkDelay the pause; {@code null} for none
		 * @return this builder
		 */
		public Builder chunkDelay(Duration chunkDelay) {
			this.chunkDelay = (chunkDelay != null) ? chunkDelay : Duration.ZERO;
			return this;
		}

		/**
		 * Probability (0..1) that a request fails with 500, 503 or 529.
		 * @param failureRate the probability
		 * @return this builder
		 */
		public Builder failureRate(double failureRate) {
			this.failureRate = failureRate;
			return this;
		}

		/**
		 * Length of the answer in tokens (shortened to the request's {@code max_tokens}).
		 * @param outputTokens the length, at least 1
		 * @return this builder
		 */
		public Builder outputTokens(int outputTokens) {
			this.outputTokens = outputTokens;
			return this;
		}

		/**
		 * The model's context window in tokens.
		 * @param contextWindow the window, at least 1
		 * @return this builder
		 */
		public Builder contextWindow(int contextWindow) {
			this.contextWindow = contextWindow;
			return this;
		}

		/**
		 * Seed of the random source that draws transient failures.
		 * @param seed the seed
		 * @return this builder
		 */
		public Builder seed(long seed) {
			this.seed = seed;
			return this;
		}

		/**
		 * How the per-minute limits are counted.
		 * @param rateLimiting token bucket (the providers' way, the default) or sliding window;
		 * {@code null} for the default
		 * @return this builder
		 */
		public Builder rateLimiting(RateLimiting rateLimiting) {
			this.rateLimiting = (rateLimiting != null) ? rateLimiting : RateLimiting.TOKEN_BUCKET;
			return this;
		}

		/**
		 * Builds the settings.
		 * @return the settings
		 * @throws IllegalArgumentException when a value is out of range
		 */
		public SimulatorSettings build() {
			return new SimulatorSettings(this.requestsPerMinute, this.tokensPerMinute, this.latency,
					this.chunkDelay, this.failureRate, this.outputTokens, this.contextWindow, this.seed,
					this.rateLimiting);
		}

	}

}

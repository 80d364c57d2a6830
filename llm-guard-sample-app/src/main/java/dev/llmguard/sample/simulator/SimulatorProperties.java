package dev.llmguard.sample.simulator;

import java.time.Duration;

import dev.llmguard.test.simulator.RateLimiting;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The provider simulator the sample starts instead of calling OpenAI ({@code sample.simulator.*}).
 *
 * @param enabled whether to start it; {@code false} to talk to the provider at {@code spring.ai.openai.base-url}
 * @param port port it listens on (Spring AI's base URL points there)
 * @param requestsPerMinute the simulated account's requests per minute, 0 for unlimited
 * @param tokensPerMinute the simulated account's tokens per minute, 0 for unlimited
 * @param latency wait before each answer
 * @param failureRate share of requests failing with 500/503/529, 0 to 1
 * @param outputTokens answer length in tokens (when the request allows that many)
 * @param rateLimiting how the simulated account counts its limits: {@code token-bucket} (refilled
 * continuously, as OpenAI and Anthropic do) or {@code sliding-window} (any 60 s, stricter)
 */
@ConfigurationProperties("sample.simulator")
public record SimulatorProperties(@DefaultValue("true") boolean enabled, @DefaultValue("8089") int port,
		@DefaultValue("60") long requestsPerMinute, @DefaultValue("100000") long tokensPerMinute,
		@DefaultValue("0s") Duration latency, @DefaultValue("0") double failureRate,
		@DefaultValue("40") int outputTokens, @DefaultValue("token-bucket") RateLimiting rateLimiting) {
}

package dev.llmguard.test.simulator;

import java.net.http.HttpResponse;
import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static dev.llmguard.test.simulator.SimulatorHttp.O200K;
import static dev.llmguard.test.simulator.SimulatorHttp.json;
import static dev.llmguard.test.simulator.SimulatorHttp.promptTokens;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The simulator's default limits: buckets that hold a minute's worth and refill continuously, as OpenAI
 * and Anthropic describe their own. Time moves on a manual clock.
 */
class TokenBucketRateLimitTests {

	private final ManualClock clock = new ManualClock();

	private ProviderSimulator simulator;

	private SimulatorHttp http;

	private void start(ProviderSimulator.Builder builder) {
		this.simulator = builder.clock(this.clock).build().start();
		this.http = new SimulatorHttp(this.simulator);
	}

	@AfterEach
	void stop() {
		if (this.simulator != null) {
			this.simulator.stop();
		}
	}

	@Test
	void isTheDefault() {
		assertThat(SimulatorSettings.defaults().rateLimiting()).isEqualTo(RateLimiting.TOKEN_BUCKET);
	}

	@Test
	void givesBackCapacityLittleByLittleRatherThanAMinuteAfterEachRequest() {
		start(ProviderSimulator.builder().requestsPerMinute(3));
		for (int i = 1; i <= 3; i++) {
			HttpResponse<String> admitted = this.http.chat("gpt-4o", "Hello " + i);
			assertThat(admitted.statusCode()).isEqualTo(200);
			assertThat(admitted.headers().firstValue("x-ratelimit-remaining-requests"))
				.hasValue(Integer.toString(3 - i));
		}
		// three used: full again after a minute, one request back every 20 s
		this.clock.advance(Duration.ofMillis(18_500));

		HttpResponse<String> limited = this.http.chat("gpt-4o", "One too many");

		assertThat(limited.statusCode()).isEqualTo(429);
		assertThat(limited.headers().firstValue("Retry-After")).hasValue("2");
		assertThat(limited.headers().firstValue("x-ratelimit-remaining-requests")).hasValue("0");
		assertThat(limited.headers().firstValue("x-ratelimit-reset-requests")).hasValue("41.5s");
		JsonNode error = json(limited).get("error");
		assertThat(error.get("type").stringValue()).isEqualTo("requests");
		assertThat(error.get("message").stringValue())
			.contains("requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 1.5s.");

		this.clock.advance(Duration.ofMillis(1_500));
		assertThat(this.http.chat("gpt-4o", "Back again").statusCode()).isEqualTo(200);
		assertThat(this.http.chat("gpt-4o", "Not yet").statusCode()).isEqualTo(429);

		this.clock.advance(Duration.ofMinutes(5));
		for (int i = 0; i < 3; i++) {
			assertThat(this.http.chat("gpt-4o", "Full again").statusCode()).isEqualTo(200);
		}
		assertThat(this.http.chat("gpt-4o", "Never more than the limit at once").statusCode()).isEqualTo(429);
	}

	@Test
	void refillsTokensAtTheLimitPerMinute() {
		long perRequest = promptTokens(O200K, "user", "Count me") + 100;
		start(ProviderSimulator.builder().tokensPerMinute(2 * perRequest));
		String request = """
				{"model": "gpt-4o", "max_tokens": 100, "messages": [{"role": "user", "content": "Count me"}]}""";

		assertThat(this.http.post("/v1/chat/completions", request).statusCode()).isEqualTo(200);
		assertThat(this.http.post("/v1/chat/completions", request).statusCode()).isEqualTo(200);
		HttpResponse<String> third = this.http.post("/v1/chat/completions", request);

		assertThat(third.statusCode()).isEqualTo(429);
		assertThat(third.headers().firstValue("x-ratelimit-remaining-tokens")).hasValue("0");
		// one request's tokens are half the limit: back after 30 s
		assertThat(third.headers().firstValue("Retry-After")).hasValue("30");
		assertThat(json(third).at("/error/type").stringValue()).isEqualTo("tokens");

		this.clock.advance(Duration.ofMillis(29_999));
		assertThat(this.http.post("/v1/chat/completions", request).statusCode()).isEqualTo(429);
		this.clock.advance(Duration.ofMillis(1));
		assertThat(this.http.post("/v1/chat/completions", request).statusCode()).isEqualTo(200);
	}

	@Test
	void admitsAtTheLimitsRateOverManyMinutesAndNoFaster() {
		start(ProviderSimulator.builder().requestsPerMinute(60));
		int admitted = 0;
		// one attempt every 250 ms for 2 minutes: a full bucket of 60, then one per second
		for (int i = 0; i < 480; i++) {
			if (this.http.chat("gpt-4o", "Tick").statusCode() == 200) {
				admitted++;
			}
			this.clock.advance(Duration.ofMillis(250));
		}
		assertThat(admitted).isBetween(60 + 119, 60 + 120);
	}

	@Test
	void keepsWhatWasUsedWhenTheLimitChanges() {
		start(ProviderSimulator.builder().requestsPerMinute(1));
		assertThat(this.http.chat("gpt-4o", "Hi").statusCode()).isEqualTo(200);
		assertThat(this.http.chat("gpt-4o", "Hi").statusCode()).isEqualTo(429);

		this.simulator.update((settings) -> settings.requestsPerMinute(3));

		assertThat(this.http.chat("gpt-4o", "Hi").statusCode()).isEqualTo(200);
		assertThat(this.http.chat("gpt-4o", "Hi").headers().firstValue("x-ratelimit-remaining-requests"))
			.hasValue("0");
		assertThat(this.http.chat("gpt-4o", "Hi").statusCode()).isEqualTo(429);
	}

	@Test
	void resetFillsTheBuckets() {
		start(ProviderSimulator.builder().requestsPerMinute(1));
		assertThat(this.http.chat("gpt-4o", "Hi").statusCode()).isEqualTo(200);
		assertThat(this.http.chat("gpt-4o", "Hi").statusCode()).isEqualTo(429);

		assertThat(this.http.post("/stats/reset", "").statusCode()).isEqualTo(204);

		assertThat(this.http.chat("gpt-4o", "Hi").statusCode()).isEqualTo(200);
	}

}

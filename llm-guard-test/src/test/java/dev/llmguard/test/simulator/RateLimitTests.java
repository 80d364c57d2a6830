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
 * The simulator's sliding one-minute windows ({@link RateLimiting#SLIDING_WINDOW}); the default buckets
 * are tested in {@link TokenBucketRateLimitTests}.
 */
class RateLimitTests {

	private final ManualClock clock = new ManualClock();

	private ProviderSimulator simulator;

	private SimulatorHttp http;

	private void start(ProviderSimulator.Builder builder) {
		this.simulator = builder.rateLimiting(RateLimiting.SLIDING_WINDOW).clock(this.clock).build().start();
		this.http = new SimulatorHttp(this.simulator);
	}

	@AfterEach
	void stop() {
		this.simulator.stop();
	}

	@Test
	void answers429WithHeadersPastTheRequestsLimitAndRecoversAMinuteLater() {
		start(ProviderSimulator.builder().requestsPerMinute(3));
		for (int i = 1; i <= 3; i++) {
			HttpResponse<String> admitted = this.http.chat("gpt-4o", "Hello " + i);
			assertThat(admitted.statusCode()).isEqualTo(200);
			assertThat(admitted.headers().firstValue("x-ratelimit-limit-requests")).hasValue("3");
			assertThat(admitted.headers().firstValue("x-ratelimit-remaining-requests")).hasValue(Integer.toString(3 - i));
			assertThat(admitted.headers().firstValue("x-ratelimit-reset-requests")).hasValue("1m0s");
			assertThat(admitted.headers().firstValue("x-ratelimit-limit-tokens")).isEmpty();
		}
		this.clock.advance(Duration.ofMillis(58_500));

		HttpResponse<String> limited = this.http.chat("gpt-4o", "One too many");

		assertThat(limited.statusCode()).isEqualTo(429);
		assertThat(limited.headers().firstValue("Retry-After")).hasValue("2");
		assertThat(limited.headers().firstValue("x-ratelimit-limit-requests")).hasValue("3");
		assertThat(limited.headers().firstValue("x-ratelimit-remaining-requests")).hasValue("0");
		assertThat(limited.headers().firstValue("x-ratelimit-reset-requests")).hasValue("1.5s");
		JsonNode error = json(limited).get("error");
		assertThat(error.get("type").stringValue()).isEqualTo("requests");
		assertThat(error.get("code").stringValue()).isEqualTo("rate_limit_exceeded");
		assertThat(error.get("message").stringValue()).startsWith("Rate limit reached for gpt-4o")
			.contains("requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 1.5s.");

		this.clock.advance(Duration.ofMillis(1_500));

		assertThat(this.http.chat("gpt-4o", "Back again").statusCode()).isEqualTo(200);
		assertThat(this.simulator.stats()).extracting(SimulatorStats::requests, SimulatorStats::succeeded,
				SimulatorStats::rateLimited, SimulatorStats::failed)
			.containsExactly(5L, 4L, 1L, 0L);
	}

	@Test
	void slidesTheWindowRatherThanResettingItAtOnce() {
		start(ProviderSimulator.builder().requestsPerMinute(2));
		assertThat(this.http.chat("gpt-4o", "t=0").statusCode()).isEqualTo(200);
		this.clock.advance(Duration.ofSeconds(30));
		assertThat(this.http.chat("gpt-4o", "t=30").statusCode()).isEqualTo(200);
		this.clock.advance(Duration.ofSeconds(10));

		HttpResponse<String> limited = this.http.chat("gpt-4o", "t=40");

		assertThat(limited.statusCode()).isEqualTo(429);
		assertThat(limited.headers().firstValue("Retry-After")).hasValue("20");
		this.clock.advance(Duration.ofSeconds(20));
		assertThat(this.http.chat("gpt-4o", "t=60").statusCode()).isEqualTo(200);
		assertThat(this.http.chat("gpt-4o", "t=60 again").statusCode()).isEqualTo(429);
	}

	@Test
	void chargesPromptPlusRequestedOutputAgainstTheTokensLimit() {
		int prompt = promptTokens(O200K, "user", "Count me");
		long perRequest = prompt + 100;
		start(ProviderSimulator.builder().tokensPerMinute(2 * perRequest + 10));
		String request = """
				{"model": "gpt-4o", "max_tokens": 100, "messages": [{"role": "user", "content": "Count me"}]}""";

		HttpResponse<String> first = this.http.post("/v1/chat/completions", request);
		HttpResponse<String> second = this.http.post("/v1/chat/completions", request);
		HttpResponse<String> third = this.http.post("/v1/chat/completions", request);

		assertThat(first.statusCode()).isEqualTo(200);
		assertThat(first.headers().firstValue("x-ratelimit-limit-tokens")).hasValue(Long.toString(2 * perRequest + 10));
		assertThat(first.headers().firstValue("x-ratelimit-remaining-tokens")).hasValue(Long.toString(perRequest + 10));
		assertThat(second.statusCode()).isEqualTo(200);
		assertThat(third.statusCode()).isEqualTo(429);
		assertThat(third.headers().firstValue("x-ratelimit-remaining-tokens")).hasValue("10");
		assertThat(third.headers().firstValue("Retry-After")).hasValue("60");
		JsonNode error = json(third).get("error");
		assertThat(error.get("type").stringValue()).isEqualTo("tokens");
		assertThat(error.get("code").stringValue()).isEqualTo("rate_limit_exceeded");
		assertThat(error.get("message").stringValue()).contains("tokens per min (TPM): Limit " + (2 * perRequest + 10)
				+ ", Used " + 2 * perRequest + ", Requested " + perRequest);
		this.clock.advance(Duration.ofMinutes(1));
		assertThat(this.http.post("/v1/chat/completions", request).statusCode()).isEqualTo(200);
	}

	@Test
	void chargesTheConfiguredAnswerLengthWhenTheRequestSetsNoMaximum() {
		int prompt = promptTokens(O200K, "user", "No max");
		start(ProviderSimulator.builder().tokensPerMinute(prompt + 40));

		assertThat(this.http.chat("gpt-4o", "No max").headers().firstValue("x-ratelimit-remaining-tokens"))
			.hasValue("0");
		assertThat(this.http.chat("gpt-4o", "No max").statusCode()).isEqualTo(429);
	}

	@Test
	void rejectsARequestLargerThanTheWholeTokensWindow() {
		start(ProviderSimulator.builder().tokensPerMinute(50));

		HttpResponse<String> response = this.http.post("/v1/chat/completions", """
				{"model": "gpt-4o", "max_tokens": 100, "messages": [{"role": "user", "content": "Too big"}]}""");

		assertThat(response.statusCode()).isEqualTo(429);
		assertThat(json(response).at("/error/message").stringValue()).startsWith("Request too large for gpt-4o");
		assertThat(json(response).at("/error/type").stringValue()).isEqualTo("tokens");
	}

	@Test
	void rateLimitsTheNextRequestsWhenForced() {
		start(ProviderSimulator.builder());
		this.simulator.rateLimitNextRequests(2);

		HttpResponse<String> forced = this.http.chat("gpt-4o", "Hi");

		assertThat(forced.statusCode()).isEqualTo(429);
		assertThat(forced.headers().firstValue("Retry-After")).hasValue("1");
		assertThat(json(forced).at("/error/code").stringValue()).isEqualTo("rate_limit_exceeded");
		assertThat(this.http.chat("gpt-4o", "Hi").statusCode()).isEqualTo(429);
		assertThat(this.http.chat("gpt-4o", "Hi").statusCode()).isEqualTo(200);
	}

	@Test
	void rateLimitsOneModelSoClientsCanFallBackToAnother() {
		start(ProviderSimulator.builder());
		this.simulator.rateLimitModel("gpt-4o", Duration.ofSeconds(30));

		HttpResponse<String> limited = this.http.chat("gpt-4o", "Hi");

		assertThat(limited.statusCode()).isEqualTo(429);
		assertThat(limited.headers().firstValue("Retry-After")).hasValue("30");
		assertThat(json(limited).at("/error/message").stringValue()).startsWith("Rate limit reached for gpt-4o");
		assertThat(this.http.chat("gpt-4o-mini", "Hi").statusCode()).isEqualTo(200);
		this.simulator.clearRateLimitedModels();
		assertThat(this.http.chat("gpt-4o", "Hi").statusCode()).isEqualTo(200);
		assertThat(this.simulator.stats().rateLimited()).isEqualTo(1);
	}

	@Test
	void changesLimitsAtRuntime() {
		start(ProviderSimulator.builder().requestsPerMinute(1));
		assertThat(this.http.chat("gpt-4o", "Hi").statusCode()).isEqualTo(200);
		assertThat(this.http.chat("gpt-4o", "Hi").statusCode()).isEqualTo(429);

		this.simulator.update((settings) -> settings.requestsPerMinute(3));

		assertThat(this.http.chat("gpt-4o", "Hi").statusCode()).isEqualTo(200);
		assertThat(this.http.chat("gpt-4o", "Hi").headers().firstValue("x-ratelimit-remaining-requests")).hasValue("0");
		this.simulator.update(SimulatorSettings.defaults());
		assertThat(this.http.chat("gpt-4o", "Hi").statusCode()).isEqualTo(200);
	}

	@Test
	void resetEmptiesTheWindows() {
		start(ProviderSimulator.builder().requestsPerMinute(1));
		assertThat(this.http.chat("gpt-4o", "Hi").statusCode()).isEqualTo(200);
		assertThat(this.http.chat("gpt-4o", "Hi").statusCode()).isEqualTo(429);

		assertThat(this.http.post("/stats/reset", "").statusCode()).isEqualTo(204);

		assertThat(this.http.chat("gpt-4o", "Hi").statusCode()).isEqualTo(200);
	}

}

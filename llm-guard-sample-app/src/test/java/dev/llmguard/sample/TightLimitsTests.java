package dev.llmguard.sample;

import java.time.Duration;
import java.util.Collections;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.http.MediaType;
import org.springframework.test.context.TestPropertySource;

import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sample with a provider limit of five requests a minute (four with the 0.8 headroom) and a chat
 * chain without a fallback response, so the guard's own refusals reach the client. No retries: with
 * so few requests a retry would wait for a refill, which a clock that only tests move never brings.
 */
@TestPropertySource(properties = { "llm.guard.providers.openai.requests-per-minute=5", "llm.guard.retry.max-attempts=1",
		"sample.chat.chain=strict", "llm.guard.chains.strict.models=openai/gpt-4o,openai/gpt-4o-mini",
		"llm.guard.chains.strict.cooldown=30s", "sample.batch.chain=strict" })
class TightLimitsTests extends ShippedConfigurationTestBase {

	@Test
	void aCallBeyondTheRateLimitIsA429WithRetryAfter() {
		SampleApi.Response limited = null;
		int answered = 0;
		for (int i = 0; i < 10 && limited == null; i++) {
			SampleApi.Response response = this.api.post("/api/chat", "{\"prompt\": \"Any tents on sale?\"}");
			if (response.status() == 200) {
				answered++;
			}
			else {
				limited = response;
			}
		}

		assertThat(answered).isBetween(1, 4);
		assertThat(limited).isNotNull();
		assertThat(limited.status()).isEqualTo(429);
		assertThat(limited.contentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
		JsonNode problem = limited.json();
		assertThat(problem.get("code").asString()).isEqualTo("rate_limited");
		long retryAfter = Long.parseLong(limited.header("Retry-After"));
		// four requests a minute come back one every 15 s
		assertThat(retryAfter).isBetween(1L, 15L);
		assertThat(problem.get("retryAfterSeconds").asLong()).isEqualTo(retryAfter);
		assertThat(this.simulator.stats().requests()).isEqualTo(answered);

		// once that time has passed, the call goes through
		this.clock.advance(Duration.ofSeconds(retryAfter));
		assertThat(this.api.post("/api/chat", "{\"prompt\": \"Any tents on sale?\"}").status()).isEqualTo(200);
	}

	@Test
	void aBatchSkipsTheDocumentsTheRateWindowHasNoRoomFor() {
		SampleApi.Response response = this.api.post("/api/batch/summarize",
				SampleApi.json(Map.of("session", "s-window", "documents", Collections.nCopies(5, "A short note."))));

		assertBatchReport(response, 5, "rate_limited");
	}

	@Test
	void everyModelFailingWithoutAFallbackResponseIsA503ListingEachModel() {
		this.simulator.rateLimitModel("gpt-4o");
		this.simulator.rateLimitModel("gpt-4o-mini");

		SampleApi.Response response = this.api.post("/api/chat", "{\"prompt\": \"Where is my order?\"}");

		assertThat(response.status()).isEqualTo(503);
		assertThat(response.contentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
		JsonNode problem = response.json();
		assertThat(problem.get("code").asString()).isEqualTo("fallback_exhausted");
		assertThat(problem.get("chain").asString()).isEqualTo("strict");
		assertThat(problem.get("models").findValuesAsString("model")).contains("openai/gpt-4o", "openai/gpt-4o-mini");
		assertThat(problem.get("models").findValuesAsString("reason")).containsOnly("rate_limited");
	}

}

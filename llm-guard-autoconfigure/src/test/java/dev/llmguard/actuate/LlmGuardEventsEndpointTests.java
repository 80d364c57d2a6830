package dev.llmguard.actuate;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.skyscreamer.jsonassert.JSONAssert;
import org.skyscreamer.jsonassert.JSONCompareMode;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import dev.llmguard.core.CallRequest;
import dev.llmguard.core.FallbackResponseMapper;
import dev.llmguard.core.LlmGuardEngine;
import dev.llmguard.core.event.GuardEvent;
import dev.llmguard.core.model.Usage;
import dev.llmguard.core.retry.ProviderResponseException;
import dev.llmguard.core.time.ManualGuardClock;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(OutputCaptureExtension.class)
class LlmGuardEventsEndpointTests {

	private final ManualGuardClock clock = ObserveFixtures.clock();

	private final GuardEventBuffer buffer = new GuardEventBuffer(50);

	private final LlmGuardEngine engine = ObserveFixtures.engine(this.clock, this.buffer);

	private final LlmGuardEventsEndpoint endpoint = new LlmGuardEventsEndpoint(this.buffer);

	@Test
	void listsARateLimitedModelsCooldownAndFallbackNewestFirst() throws Throwable {
		CallRequest request = CallRequest.builder().chain("default").tenant("acme").estimatedInputTokens(100L).build();
		this.engine.execute(request, (context) -> {
			if (context.model().equals("gpt-4o")) {
				throw new ProviderResponseException(429, "rate_limit_exceeded", Duration.ofSeconds(2), "slow down");
			}
			context.recordUsage(100, 20);
			return "answer";
		}, FallbackResponseMapper.none());

		String json = LlmGuardEndpointTests.endpointJson(this.endpoint.events());

		JSONAssert.assertEquals("""
				{ "events": [
				  { "time": "2026-11-22T10:00:00Z", "type": "fallback",
				    "fields": { "chain": "default", "from": "openai/gpt-4o", "to": "openai/gpt-4o-mini",
				                "reason": "rate_limited" } },
				  { "time": "2026-11-22T10:00:00Z", "type": "cooldown",
				    "fields": { "provider": "openai", "model": "gpt-4o", "until": "2026-11-22T10:01:00Z",
				                "reason": "rate_limited" } } ] }
				""", json, JSONCompareMode.STRICT);
	}

	@Test
	void aBudgetPastItsWarnAtWarnsOnceInTheLogAndInTheEvents(CapturedOutput output) throws Throwable {
		// $41 of the $50 daily budget, then two more calls in the same day
		ObserveFixtures.call(this.engine, null, new Usage(0, 4_100_000));
		this.clock.advance(Duration.ofMinutes(30)); // the tokens bucket pays back the overrun
		ObserveFixtures.call(this.engine, null, new Usage(10, 10));
		ObserveFixtures.call(this.engine, null, new Usage(10, 10));

		assertThat(this.endpoint.events().events()).singleElement().satisfies((event) -> {
			assertThat(event.type()).isEqualTo("budget-warning");
			assertThat(event.fields()).containsEntry("budget", "daily-spend").containsEntry("usedShare", 0.82);
		});
		assertThat(output.getOut().lines().filter((line) -> line.contains("WARN")
				&& line.contains("llm-guard budget 'daily-spend'"))).hasSize(1);
	}

	@Test
	void listsTheCircuitBreakerOpeningOfAModelThatKeepsFailing() throws Throwable {
		// gpt-4o alone answers 503 with Retry-After: 1 s to each of its three attempts; the fifth failed call opens it
		CallRequest request = CallRequest.builder().model(ObserveFixtures.GPT_4O).estimatedInputTokens(10L).build();
		for (int i = 0; i < 5; i++) {
			try {
				this.engine.execute(request, (context) -> {
					throw new ProviderResponseException(503, null, Duration.ofSeconds(1), "unavailable");
				}, FallbackResponseMapper.none());
			}
			catch (ProviderResponseException ex) {
				// each call fails after its retries
			}
		}

		String newest = LlmGuardEndpointTests.endpointJson(this.endpoint.events().events().subList(0, 2));

		JSONAssert.assertEquals("""
				[ { "time": "2026-11-22T10:00:10Z", "type": "call-finished" },
				  { "time": "2026-11-22T10:00:10Z", "type": "circuit-breaker",
				    "fields": { "provider": "openai", "model": "gpt-4o", "state": "open",
				                "until": "2026-11-22T10:01:10Z", "openFor": "PT1M",
				                "reason": "5 failures within PT1M (last: transient)" } } ]
				""", newest, JSONCompareMode.LENIENT);
		assertThat(this.endpoint.events().events()).filteredOn((event) -> event.type().equals("circuit-breaker"))
			.hasSize(1);
	}

	@Test
	void describesEveryFieldOfAnEventWithDurationsAndMoneyReadable() {
		var described = LlmGuardEventsEndpoint.describe(new GuardEvent.CallFinished(
				ObserveFixtures.START, "openai", "gpt-4o", null, "failed", new Usage(10, 5, 2),
				1_500_000L, true, Duration.ofMillis(1500)));

		assertThat(described.type()).isEqualTo("call-finished");
		assertThat(described.fields()).containsEntry("provider", "openai")
			.containsEntry("outcome", "failed")
			.containsEntry("duration", "PT1.5S")
			.containsEntry("usageEstimated", true)
			.doesNotContainKey("chain")
			.doesNotContainKey("costNanos");
		assertThat(described.fields().get("cost")).hasToString("0.0015");
	}

}

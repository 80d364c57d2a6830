package dev.llmguard.sample;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import dev.llmguard.test.simulator.SimulatorStats;
import org.junit.jupiter.api.Test;

import org.springframework.http.MediaType;

import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a client of the sample sees: answers, fallbacks, limits and budgets, through HTTP.
 */
class SampleApiTests extends ShippedConfigurationTestBase {

	private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);

	@Test
	void answersOnTheFirstModelOfTheChainWithTheProvidersUsageAndItsExactCost() {
		SampleApi.Response response = chat(Map.of("prompt", "Which tent for a windy ridge?", "tenant", "t-normal",
				"session", "s-normal", "priority", 5));

		assertThat(response.status()).isEqualTo(200);
		JsonNode body = response.json();
		SimulatorStats stats = this.simulator.stats();
		assertThat(stats.succeeded()).isEqualTo(1);
		assertThat(body.get("model").asString()).isEqualTo("gpt-4o");
		assertThat(body.get("content").asString()).isNotBlank();
		assertThat(body.get("usage").get("inputTokens").asLong()).isEqualTo(stats.inputTokens());
		assertThat(body.get("usage").get("outputTokens").asLong()).isEqualTo(stats.outputTokens()).isEqualTo(40);
		assertThat(body.get("costUsd").decimalValue())
			.isEqualByComparingTo(cost(stats.inputTokens(), "2.50", stats.outputTokens(), "10.00"));
		assertThat(body.get("fallback").asBoolean()).isFalse();
	}

	@Test
	void fallsBackToTheCheaperModelWhenTheProviderRateLimitsTheFirstOne() {
		this.simulator.rateLimitModel("gpt-4o");

		SampleApi.Response response = chat(Map.of("prompt", "Is this boot waterproof?", "tenant", "t-fallback"));

		assertThat(response.status()).isEqualTo(200);
		JsonNode body = response.json();
		SimulatorStats stats = this.simulator.stats();
		assertThat(stats.rateLimited()).isEqualTo(1);
		assertThat(body.get("model").asString()).isEqualTo("gpt-4o-mini");
		assertThat(body.get("fallback").asBoolean()).isFalse();
		assertThat(body.get("costUsd").decimalValue())
			.isEqualByComparingTo(cost(stats.inputTokens(), "0.15", stats.outputTokens(), "0.60"));
	}

	@Test
	void answersWithTheChainsFallbackResponseWhenTheProviderRateLimitsEveryModel() {
		this.simulator.rateLimitModel("gpt-4o");
		this.simulator.rateLimitModel("gpt-4o-mini");

		SampleApi.Response response = chat(Map.of("prompt", "Where is my order?", "tenant", "t-both"));

		assertThat(response.status()).isEqualTo(200);
		JsonNode body = response.json();
		assertThat(body.get("fallback").asBoolean()).isTrue();
		assertThat(body.get("content").asString())
			.isEqualTo("Our assistant is busy right now, please try again in a minute.");
		assertThat(body.get("model").isNull()).isTrue();
		assertThat(body.get("costUsd").decimalValue()).isEqualByComparingTo(BigDecimal.ZERO);
		assertThat(this.simulator.stats().succeeded()).isZero();

		// while gpt-4o cools down the next call goes straight to gpt-4o-mini, which still fails
		SampleApi.Response again = chat(Map.of("prompt", "Where is my order?", "tenant", "t-both"));
		assertThat(again.json().get("fallback").asBoolean()).isTrue();
	}

	@Test
	void aModelAskingToRetryInAMinuteIsNotWaitedForPastTheCallsDeadline() {
		this.simulator.rateLimitModel("gpt-4o", Duration.ofSeconds(60));
		this.simulator.rateLimitModel("gpt-4o-mini", Duration.ofSeconds(60));
		Instant start = this.clock.instant();

		SampleApi.Response response = chat(Map.of("prompt", "Is the tent in stock?", "tenant", "t-deadline"));

		// gpt-4o fails over at once; gpt-4o-mini's Retry-After of 60 s is past the 10 s deadline: no pause
		assertThat(response.status()).isEqualTo(200);
		assertThat(response.json().get("fallback").asBoolean()).isTrue();
		assertThat(this.clock.instant()).isEqualTo(start);
		assertThat(this.simulator.stats().rateLimited()).isEqualTo(2);
	}

	@Test
	void answersTheLastGoodAnswerToTheSamePromptMarkedCachedWhenEveryModelFails() {
		SampleApi.Response first = chat(Map.of("prompt", "Which stove works in winter?", "tenant", "t-cached"));
		assertThat(first.json().get("fallback").asBoolean()).isFalse();
		this.simulator.rateLimitModel("gpt-4o");
		this.simulator.rateLimitModel("gpt-4o-mini");

		SampleApi.Response cached = chat(Map.of("prompt", "Which stove works in winter?", "tenant", "t-cached"));

		assertThat(cached.status()).isEqualTo(200);
		JsonNode body = cached.json();
		assertThat(body.get("fallback").isString()).isTrue();
		assertThat(body.get("fallback").asString()).isEqualTo("cached");
		assertThat(body.get("content").asString()).isEqualTo(first.json().get("content").asString());
		assertThat(body.get("model").isNull()).isTrue();
		assertThat(body.get("costUsd").decimalValue()).isEqualByComparingTo(BigDecimal.ZERO);

		// another tenant asking the same never gets this tenant's answer: the fallback response answers
		SampleApi.Response other = chat(Map.of("prompt", "Which stove works in winter?", "tenant", "t-cached-other"));
		assertThat(other.json().get("fallback").asBoolean()).isTrue();
		assertThat(other.json().get("content").asString())
			.isEqualTo("Our assistant is busy right now, please try again in a minute.");
	}

	@Test
	void downgradesToTheCheaperModelThenRejectsWhenTheTenantBudgetRunsOut() {
		List<String> models = new ArrayList<>();
		SampleApi.Response rejected = null;
		for (int i = 0; i < 100 && rejected == null; i++) {
			this.clock.advance(Duration.ofSeconds(2)); // stay clear of the rate limit: this test is about money
			SampleApi.Response response = chat(Map.of("prompt", "Tell me about sleeping bags.", "tenant", "t-budget"));
			if (response.status() == 200) {
				models.add(response.json().get("model").asString());
			}
			else {
				rejected = response;
			}
		}

		assertThat(models).startsWith("gpt-4o").endsWith("gpt-4o-mini");
		int firstMini = models.indexOf("gpt-4o-mini");
		assertThat(models.subList(0, firstMini)).containsOnly("gpt-4o");
		assertThat(models.subList(firstMini, models.size())).containsOnly("gpt-4o-mini");
		assertThat(rejected).isNotNull();
		assertThat(rejected.status()).isEqualTo(429);
		assertThat(rejected.contentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
		JsonNode problem = rejected.json();
		assertThat(problem.get("code").asString()).isEqualTo("budget_exceeded");
		assertThat(problem.get("budget").asString()).isEqualTo("tenant-daily");
		assertThat(problem.get("unit").asString()).isEqualTo("USD");
		assertThat(problem.get("limit").decimalValue()).isEqualByComparingTo("0.005");
		Instant midnight = LocalDate.ofInstant(this.clock.instant(), ZoneOffset.UTC)
			.plusDays(1)
			.atStartOfDay(ZoneOffset.UTC)
			.toInstant();
		assertThat(Instant.parse(problem.get("resetsAt").asString())).isEqualTo(midnight);
		long seconds = Duration.between(this.clock.instant(), midnight).toSeconds();
		assertThat(rejected.header("Retry-After")).isEqualTo(Long.toString(seconds));
	}

	@Test
	void aLimitedToolAnswersItsFallbackResponseMarkedByAHeader() {
		for (int i = 0; i < 5; i++) {
			SampleApi.Response response = this.api.post("/api/tools/process_refund", "{\"query\": \"order-42\"}");
			assertThat(response.status()).isEqualTo(200);
			assertThat(response.header("X-LLM-Guard-Fallback")).isNull();
			assertThat(response.json().get("refund").get("status").asString()).isEqualTo("approved");
		}

		SampleApi.Response limited = this.api.post("/api/tools/process_refund", "{\"query\": \"order-42\"}");

		assertThat(limited.status()).isEqualTo(200);
		assertThat(limited.header("X-LLM-Guard-Fallback")).isEqualTo("true");
		assertThat(limited.contentType().isCompatibleWith(MediaType.APPLICATION_JSON)).isTrue();
		assertThat(limited.json().get("source").asString()).isEqualTo("fallback");
		assertThat(limited.json().get("refund").asString()).isEqualTo("queued");
	}

	@Test
	void toolsAnswerFromTheShop() {
		SampleApi.Response response = this.api.post("/api/tools/search_products", "{\"query\": \"running shoe\"}");

		assertThat(response.status()).isEqualTo(200);
		assertThat(response.json().get("source").asString()).isEqualTo("shop");
		assertThat(response.json().get("products").findValuesAsString("sku")).contains("SKU-1001");
	}

	@Test
	void anUnknownToolIsA404Problem() {
		SampleApi.Response response = this.api.post("/api/tools/delete_everything", "{\"query\": \"x\"}");

		assertThat(response.status()).isEqualTo(404);
		assertThat(response.contentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
		assertThat(response.json().get("code").asString()).isEqualTo("unknown_tool");
	}

	@Test
	void aBatchSkipsTheDocumentsTheSessionTokenCapCannotAfford() {
		// about 2,500 tokens each: the 20,000-token session cap affords seven of them
		String document = "The trail crosses the ridge before the hut. ".repeat(280);
		List<String> documents = Collections.nCopies(10, document);

		SampleApi.Response response = this.api.post("/api/batch/summarize",
				SampleApi.json(Map.of("session", "s-batch", "documents", documents)));

		assertBatchReport(response, 10, "budget_exceeded");

		// the session cap never resets: the chat of this session is refused too, and told to come back much later
		SampleApi.Response chat = chat(Map.of("prompt", document, "session", "s-batch"));
		assertThat(chat.status()).isEqualTo(429);
		assertThat(chat.json().get("code").asString()).isEqualTo("budget_exceeded");
		assertThat(chat.json().get("budget").asString()).isEqualTo("session-tokens");
		assertThat(chat.json().get("unit").asString()).isEqualTo("tokens");
		assertThat(chat.json().get("resetsAt").isNull()).isTrue();
		assertThat(chat.header("Retry-After")).isEqualTo("86400");
	}

	private SampleApi.Response chat(Map<String, Object> request) {
		return this.api.post("/api/chat", SampleApi.json(request));
	}

	private static BigDecimal cost(long input, String inputPrice, long output, String outputPrice) {
		return BigDecimal.valueOf(input)
			.multiply(new BigDecimal(inputPrice))
			.add(BigDecimal.valueOf(output).multiply(new BigDecimal(outputPrice)))
			.divide(MILLION);
	}

}

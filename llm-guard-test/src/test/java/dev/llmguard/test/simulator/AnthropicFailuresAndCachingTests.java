package dev.llmguard.test.simulator;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static dev.llmguard.test.simulator.SimulatorHttp.json;
import static dev.llmguard.test.simulator.SimulatorHttp.quote;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * One model rate-limited or failing while the others answer, Anthropic's rate-limit headers and error
 * bodies, and Anthropic's prompt caching, set up from the builder and from the command line.
 */
class AnthropicFailuresAndCachingTests {

	private final ManualClock clock = new ManualClock();

	private ProviderSimulator simulator;

	@AfterEach
	void stop() {
		if (this.simulator != null) {
			this.simulator.stop();
		}
	}

	private SimulatorHttp start(ProviderSimulator.Builder builder) {
		this.simulator = builder.clock(this.clock).build().start();
		return new SimulatorHttp(this.simulator);
	}

	private static String message(String model) {
		return """
				{"model": %s, "max_tokens": 100, "messages": [{"role": "user", "content": "Hello"}]}"""
			.formatted(quote(model));
	}

	@Test
	void theBuilderRateLimitsOneModelWithAnthropicsHeadersAndBody() {
		SimulatorHttp http = start(ProviderSimulator.builder()
			.port(0)
			.requestsPerMinute(50)
			.tokensPerMinute(10_000)
			.rateLimitModel("claude-sonnet-4-5", Duration.ofSeconds(7)));

		HttpResponse<String> limited = http.post("/v1/messages", message("claude-sonnet-4-5"));
		HttpResponse<String> other = http.post("/v1/messages", message("claude-haiku-4-5"));

		assertThat(limited.statusCode()).isEqualTo(429);
		assertThat(limited.headers().firstValue("retry-after")).hasValue("7");
		assertThat(json(limited).at("/type").stringValue()).isEqualTo("error");
		assertThat(json(limited).at("/error/type").stringValue()).isEqualTo("rate_limit_error");
		for (String family : new String[] { "requests", "tokens", "input-tokens", "output-tokens" }) {
			assertThat(limited.headers().firstValue("anthropic-ratelimit-" + family + "-limit")).as(family).isPresent();
			assertThat(limited.headers().firstValue("anthropic-ratelimit-" + family + "-remaining")).as(family)
				.isPresent();
			// RFC 3339 instants
			assertThat(Instant.parse(limited.headers().firstValue("anthropic-ratelimit-" + family + "-reset").get()))
				.as(family)
				.isAfterOrEqualTo(this.clock.instant());
		}
		assertThat(other.statusCode()).isEqualTo(200);
		assertThat(this.simulator.stats().rateLimited()).isEqualTo(1);
		assertThat(this.simulator.stats().succeeded()).isEqualTo(1);
	}

	@Test
	void theCommandLineFailsOneModelAsAnthropicDoesAndResetKeepsIt() {
		this.simulator = ProviderSimulatorMain
			.parse("--port=0", "--fail-model=claude-opus-4-1,529", "--rate-limit-model=claude-sonnet-4-5,2s")
			.start();
		SimulatorHttp http = new SimulatorHttp(this.simulator);

		HttpResponse<String> overloaded = http.post("/v1/messages", message("claude-opus-4-1"));
		HttpResponse<String> limited = http.post("/v1/messages", message("claude-sonnet-4-5"));
		this.simulator.reset();
		HttpResponse<String> stillOverloaded = http.post("/v1/messages", message("claude-opus-4-1"));
		HttpResponse<String> other = http.post("/v1/messages", message("claude-haiku-4-5"));

		assertThat(overloaded.statusCode()).isEqualTo(529);
		assertThat(json(overloaded).at("/error/type").stringValue()).isEqualTo("overloaded_error");
		assertThat(limited.statusCode()).isEqualTo(429);
		assertThat(limited.headers().firstValue("retry-after")).hasValue("2");
		assertThat(stillOverloaded.statusCode()).isEqualTo(529);
		assertThat(other.statusCode()).isEqualTo(200);
		this.simulator.clearFailedModels();
		assertThat(http.post("/v1/messages", message("claude-opus-4-1")).statusCode()).isEqualTo(200);
	}

	@Test
	void serverErrorsCarryAnthropicsErrorTypes() {
		SimulatorHttp http = start(ProviderSimulator.builder().failModel("a", 500).failModel("b", 504));

		assertThat(json(http.post("/v1/messages", message("a"))).at("/error/type").stringValue()).isEqualTo("api_error");
		assertThat(json(http.post("/v1/messages", message("b"))).at("/error/type").stringValue())
			.isEqualTo("timeout_error");
		assertThat(this.simulator.stats().failed()).isEqualTo(2);
	}

	private static String cachedSystem(String ttl) {
		String book = "The guard counts every token it sends. ".repeat(200);
		return """
				{"model": "claude-sonnet-4-5", "max_tokens": 50,
				 "system": [{"type": "text", "text": %s, "cache_control": {"type": "ephemeral"%s}}],
				 "messages": [{"role": "user", "content": "Summarize the book."}]}"""
			.formatted(quote(book), (ttl != null) ? ", \"ttl\": \"" + ttl + "\"" : "");
	}

	@Test
	void aMarkedPrefixIsWrittenThenReadFromThePromptCache() {
		SimulatorHttp http = start(ProviderSimulator.builder());

		JsonNode first = json(http.post("/v1/messages", cachedSystem(null))).get("usage");
		JsonNode second = json(http.post("/v1/messages", cachedSystem(null))).get("usage");
		this.clock.advance(Duration.ofMinutes(6));
		JsonNode expired = json(http.post("/v1/messages", cachedSystem(null))).get("usage");

		int written = first.get("cache_creation_input_tokens").intValue();
		assertThat(written).isGreaterThanOrEqualTo(PromptCache.MIN_TOKENS);
		assertThat(first.get("cache_read_input_tokens").intValue()).isZero();
		assertThat(first.at("/cache_creation/ephemeral_5m_input_tokens").intValue()).isEqualTo(written);
		assertThat(second.get("cache_read_input_tokens").intValue()).isEqualTo(written);
		assertThat(second.get("cache_creation_input_tokens").intValue()).isZero();
		// input_tokens leave out the cache, as Anthropic's do; all three add up to the whole prompt
		assertThat(second.get("input_tokens").intValue()).isEqualTo(first.get("input_tokens").intValue()).isPositive();
		assertThat(this.simulator.stats().inputTokens())
			.isEqualTo(3L * (first.get("input_tokens").intValue() + written));
		assertThat(expired.get("cache_creation_input_tokens").intValue()).isEqualTo(written);
	}

	@Test
	void aOneHourEntryOutlivesFiveMinutesAndShortPrefixesAreNotCached() {
		SimulatorHttp http = start(ProviderSimulator.builder());

		JsonNode first = json(http.post("/v1/messages", cachedSystem("1h"))).get("usage");
		this.clock.advance(Duration.ofMinutes(30));
		JsonNode later = json(http.post("/v1/messages", cachedSystem("1h"))).get("usage");
		JsonNode tooShort = json(http.post("/v1/messages", """
				{"model": "claude-sonnet-4-5", "max_tokens": 50,
				 "system": [{"type": "text", "text": "Be brief.", "cache_control": {"type": "ephemeral"}}],
				 "messages": [{"role": "user", "content": "Hi"}]}""")).get("usage");

		assertThat(first.at("/cache_creation/ephemeral_1h_input_tokens").intValue())
			.isEqualTo(first.get("cache_creation_input_tokens").intValue())
			.isPositive();
		assertThat(later.get("cache_read_input_tokens").intValue())
			.isEqualTo(first.get("cache_creation_input_tokens").intValue());
		assertThat(tooShort.get("cache_creation_input_tokens").intValue()).isZero();
		assertThat(tooShort.get("cache_read_input_tokens").intValue()).isZero();
	}

}

package dev.llmguard.actuate;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import org.skyscreamer.jsonassert.JSONAssert;
import org.skyscreamer.jsonassert.JSONCompareMode;
import org.springframework.boot.actuate.autoconfigure.endpoint.jackson.JacksonEndpointAutoConfiguration;
import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.actuate.endpoint.jackson.EndpointJsonMapper;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.llmguard.actuate.LlmGuardEndpoint.BudgetUsageDescriptor;
import dev.llmguard.core.CallRequest;
import dev.llmguard.core.FallbackResponseMapper;
import dev.llmguard.core.LlmGuardEngine;
import dev.llmguard.core.model.ModelRef;
import dev.llmguard.core.model.Usage;
import dev.llmguard.core.retry.ProviderResponseException;
import dev.llmguard.core.time.ManualGuardClock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class LlmGuardEndpointTests {

	private final ManualGuardClock clock = ObserveFixtures.clock();

	private final LlmGuardEngine engine = ObserveFixtures.engine(this.clock);

	private final LlmGuardEndpoint endpoint = new LlmGuardEndpoint(this.engine);

	@Test
	void writesTheStateAsDesignedWithBootsEndpointJsonMapper() throws Throwable {
		ObserveFixtures.call(this.engine, "acme", new Usage(1200, 300));
		ObserveFixtures.call(this.engine, "acme", new Usage(800, 100, 400));
		this.engine.tools().tryAcquire("search_products");
		this.engine.cooldowns().coolDown(ObserveFixtures.MINI, ObserveFixtures.START.plusSeconds(12));

		String json = endpointJson(this.endpoint.guard());

		JSONAssert.assertEquals("""
				{ "backend": "memory",
				  "providers": { "openai": {
				      "limits": { "requests-per-minute": {"capacity": 400, "available": 398, "declared": 500,
				                                          "learned": null, "remaining": null, "remainingAt": null},
				                  "tokens-per-minute":   {"capacity": 160000, "available": 157600, "declared": 200000,
				                                          "learned": null, "remaining": null, "remainingAt": null} },
				      "concurrency": {"max": 16, "inUse": 0}, "waiting": 0,
				      "models": { "gpt-4o": {"state": "available", "cooldownUntil": null,
				                             "breaker": {"state": "closed", "until": null, "openFor": null, "recentFailures": 0}},
				                  "gpt-4o-mini": {"state": "cooling-down", "cooldownUntil": "2026-11-22T10:00:12Z",
				                                  "limits": {"requests-per-minute": {"capacity": 80, "available": 80, "declared": 100,
				                                  "learned": null, "remaining": null, "remainingAt": null}},
				                                  "breaker": {"state": "closed", "until": null, "openFor": null,
				                                              "recentFailures": 0}} },
				      "mode": "enforce", "shadowed": {} } },
				  "chains":  { "default": ["openai/gpt-4o", "openai/gpt-4o-mini"] },
				  "budgets": { "daily-spend": { "scope": "global", "period": "day", "maxCost": 50.0, "spentCost": 0.0085,
				               "reservedCost": 0.0, "maxTokens": null, "spentTokens": 2400, "reservedTokens": 0,
				               "resetsAt": "2026-11-23T00:00:00Z",
				               "forecast": { "rateSince": "2026-11-22T00:00:00Z", "window": "PT10H", "costPerHour": 0.00085,
				                             "tokensPerHour": 240, "projectedCost": 0.0204, "projectedTokens": 5760,
				                             "exhaustsAt": null, "runsOutBeforeReset": false },
				               "mode": "enforce", "shadowed": {} },
				               "tenant-daily": { "scope": "tenant", "period": "day", "maxCost": 1.0, "spentCost": null,
				               "reservedCost": null, "maxTokens": null, "spentTokens": null, "reservedTokens": null,
				               "resetsAt": null, "forecast": null, "mode": "enforce", "shadowed": {} } },
				  "tools":   { "search_products": {"limit": 100, "window": "PT1M", "available": 99, "mode": "enforce",
				               "shadowed": {}} },
				  "mode": "enforce" }
				""", json, JSONCompareMode.STRICT);
	}

	@Test
	void showsOneTenantsUsageOfABudget() throws Throwable {
		ObserveFixtures.call(this.engine, "acme", new Usage(1000, 500));

		BudgetUsageDescriptor usage = this.endpoint.budgetUsage("tenant-daily", "acme");

		JSONAssert.assertEquals("""
				{ "budget": "tenant-daily", "scope": "tenant", "period": "day", "key": "acme", "maxCost": 1.0,
				  "spentCost": 0.0075, "reservedCost": 0.0, "maxTokens": null, "spentTokens": 1500,
				  "reservedTokens": 0, "periodStart": "2026-11-22T00:00:00Z", "resetsAt": "2026-11-23T00:00:00Z",
				  "forecast": { "rateSince": "2026-11-22T00:00:00Z", "window": "PT10H", "costPerHour": 0.00075,
				                "tokensPerHour": 150, "projectedCost": 0.018, "projectedTokens": 3600,
				                "exhaustsAt": null, "runsOutBeforeReset": false } }
				""", endpointJson(usage), JSONCompareMode.STRICT);
		assertThat(this.endpoint.budgetUsage("tenant-daily", "globex").spentTokens()).isZero();
	}

	@Test
	void deleteResetsOneTenantsBudgetOnly() throws Throwable {
		ObserveFixtures.call(this.engine, "acme", new Usage(1000, 500));
		ObserveFixtures.call(this.engine, "globex", new Usage(1000, 500));

		BudgetUsageDescriptor afterReset = this.endpoint.resetBudget("tenant-daily", "acme");

		assertThat(afterReset.spentTokens()).isZero();
		assertThat(afterReset.spentCost()).isEqualByComparingTo("0");
		assertThat(this.endpoint.budgetUsage("tenant-daily", "acme").spentTokens()).isZero();
		assertThat(this.endpoint.budgetUsage("tenant-daily", "globex").spentTokens()).isEqualTo(1500);
		assertThat(this.endpoint.guard().budgets().get("daily-spend").spentTokens()).isEqualTo(3000);
	}

	@Test
	void forecastsAGlobalBudgetFromTheLastHalfHourAndATenantsOnRequest() throws Throwable {
		// one call a minute for an hour, each 1,200 input and 300 output tokens of gpt-4o: $0.006 a call
		for (int minute = 1; minute <= 60; minute++) {
			this.clock.advance(Duration.ofMinutes(1));
			ObserveFixtures.call(this.engine, "acme", new Usage(1200, 300));
		}

		LlmGuardEndpoint.ForecastDescriptor global = this.endpoint.guard().budgets().get("daily-spend").forecast();

		assertThat(global.rateSince()).isEqualTo("2026-11-22T10:30:00Z");
		assertThat(global.window()).isEqualTo("PT30M");
		assertThat(global.costPerHour()).isEqualByComparingTo("0.36");
		assertThat(global.tokensPerHour()).isEqualTo(60 * 1500);
		// $0.36 spent by 11:00, 13 more hours at $0.36
		assertThat(global.projectedCost()).isEqualByComparingTo("5.04");
		assertThat(global.exhaustsAt()).isNull();
		assertThat(global.runsOutBeforeReset()).isFalse();

		// acme's $0.36 over the 11 hours since midnight, kept up for 13 more: $0.7855; its $1 lasts
		LlmGuardEndpoint.ForecastDescriptor tenant = this.endpoint.budgetUsage("tenant-daily", "acme").forecast();
		assertThat(tenant.rateSince()).isEqualTo("2026-11-22T00:00:00Z");
		assertThat(tenant.window()).isEqualTo("PT11H");
		assertThat(tenant.projectedCost()).isEqualByComparingTo("0.785454545");
		assertThat(tenant.runsOutBeforeReset()).isFalse();
	}

	@Test
	void unknownBudgetIsNotFoundOnReadAndABadRequestOnDelete() {
		assertThat(this.endpoint.budgetUsage("nightly", "acme")).isNull();
		assertThatExceptionOfType(InvalidEndpointRequestException.class)
			.isThrownBy(() -> this.endpoint.resetBudget("nightly", "acme"))
			.withMessageContaining("No budget named 'nightly'")
			.withMessageContaining("daily-spend");
	}

	@Test
	void aCooldownThatEndedShowsTheModelAvailableAgain() {
		this.engine.cooldowns().coolDown(ObserveFixtures.GPT_4O, ObserveFixtures.START.plusSeconds(5));
		this.clock.advance(Duration.ofSeconds(6));

		assertThat(this.endpoint.guard().providers().get("openai").models().get("gpt-4o").state())
			.isEqualTo("available");
	}

	@Test
	void showsEachModelsCircuitBreakerClosedOpenUntilAndHalfOpen() throws Throwable {
		// the default breaker: five failures within a minute open a model; calls outside a chain open it for 60 s;
		// each failing call takes 3 s of the clock (three attempts, pauses of 1 s and 2 s)
		for (int i = 0; i < 5; i++) {
			failAlone(ObserveFixtures.GPT_4O);
		}
		java.time.Instant opened = this.clock.instant(); // the fifth failure, after its jittered pauses
		failAlone(ObserveFixtures.MINI);
		failAlone(ObserveFixtures.MINI);

		JSONAssert.assertEquals("""
				{ "providers": { "openai": { "models": {
				    "gpt-4o": {"state": "available", "cooldownUntil": null,
				               "breaker": {"state": "open", "until": "%s", "openFor": "PT1M",
				                           "recentFailures": 0}},
				    "gpt-4o-mini": {"state": "available", "cooldownUntil": null,
				                    "breaker": {"state": "closed", "until": null, "openFor": null, "recentFailures": 2}}
				} } } }
				""".formatted(opened.plusSeconds(60)), endpointJson(this.endpoint.guard()), JSONCompareMode.LENIENT);

		this.clock.advance(Duration.ofSeconds(60));
		assertThat(this.endpoint.guard().providers().get("openai").models().get("gpt-4o").breaker())
			.isEqualTo(new LlmGuardEndpoint.BreakerDescriptor("half-open", null, "PT1M", 0));
		this.engine.execute(CallRequest.builder().model(ObserveFixtures.GPT_4O).estimatedInputTokens(10L).build(),
				(context) -> "probe answered", FallbackResponseMapper.none());
		assertThat(this.endpoint.guard().providers().get("openai").models().get("gpt-4o").breaker())
			.isEqualTo(new LlmGuardEndpoint.BreakerDescriptor("closed", null, null, 0));
	}

	/**
	 * A call of the model alone that the provider answers 500 on every attempt: one failure of the model
	 * once its retries are spent (a spent quota would close the model until its reset instead).
	 */
	private void failAlone(ModelRef model) {
		CallRequest request = CallRequest.builder().model(model).estimatedInputTokens(10L).build();
		assertThatExceptionOfType(ProviderResponseException.class).isThrownBy(() -> this.engine.execute(request,
				(context) -> {
					throw new ProviderResponseException(500, null, null, "server error");
				}, FallbackResponseMapper.none()));
	}

	/** Serializes as Boot does for actuator responses (nulls are dropped unless a type says otherwise). */
	static String endpointJson(Object body) {
		String[] json = new String[1];
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(JacksonEndpointAutoConfiguration.class))
			.run((context) -> json[0] = context.getBean(EndpointJsonMapper.class).get().writeValueAsString(body));
		return json[0];
	}

}

package dev.llmguard.http;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.http.MediaType;
import org.springframework.web.client.HttpClientErrorException;
import org.springframework.web.client.RestClient;

import dev.llmguard.core.LlmGuardException;
import dev.llmguard.core.LlmGuardEngine;
import dev.llmguard.core.config.BudgetPeriod;
import dev.llmguard.core.config.BudgetScope;
import dev.llmguard.core.config.BudgetSpec;
import dev.llmguard.core.config.ChainSpec;
import dev.llmguard.core.config.GuardMode;
import dev.llmguard.core.config.GuardModes;
import dev.llmguard.core.config.GuardSettings;
import dev.llmguard.core.config.ModelSpec;
import dev.llmguard.core.config.OnExceeded;
import dev.llmguard.core.config.ProviderSpec;
import dev.llmguard.core.config.RateLimits;
import dev.llmguard.core.event.GuardEvent;
import dev.llmguard.core.model.ModelRef;
import dev.llmguard.core.time.ManualGuardClock;
import dev.llmguard.test.junit.ProviderSimulatorExtension;
import dev.llmguard.test.simulator.ProviderSimulator;
import dev.llmguard.test.simulator.ReceivedRequest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The same load through a guarded RestClient in enforce and in shadow mode, against the provider
 * simulator: in shadow mode the provider sees every call as the application wrote it, and the shadowed
 * decisions are those that enforcing made. Time stands still on a manual clock, so no call is only delayed.
 */
class RestClientShadowModeTests {

	private static final int CALLS = 8;

	/** No limits, and a chain from gpt-4o to gpt-4o-mini. */
	private static final RateLimits CHAINED = new RateLimits(null, null, null, null, null, null);

	private static final String BODY = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"Where is my order?\"}]}";

	@RegisterExtension
	static final ProviderSimulatorExtension simulatorExtension = ProviderSimulatorExtension.builder()
		.outputTokens(50)
		.build();

	private final List<GuardEvent.Decided> decisions = new CopyOnWriteArrayList<>();

	private LlmGuardEngine engine;

	@AfterEach
	void closeEngine() {
		if (this.engine != null) {
			this.engine.close();
		}
	}

	@Test
	void aSmallRateLimitIsCountedInShadowModeAsEnforcingActedOnIt(ProviderSimulator simulator) {
		RateLimits threePerMinute = new RateLimits(3L, null, null, null, null, null);

		Load enforced = run(simulator, GuardMode.ENFORCE, threePerMinute, null);
		Load shadowed = run(simulator, GuardMode.SHADOW, threePerMinute, null);

		// the last of the three is kept for urgent calls (priority reserve), so normal calls get two
		assertThat(enforced.sent()).isEqualTo(2);
		assertThat(enforced.counts(false)).containsExactlyEntriesOf(Map.of("rate_limited", 6L));
		assertThat(enforced.counts(true)).isEmpty();
		assertThat(shadowed.sent()).isEqualTo(CALLS);
		assertThat(shadowed.failed()).isZero();
		assertThat(shadowed.counts(true)).isEqualTo(enforced.counts(false));
		assertThat(shadowed.counts(false)).isEmpty();
		assertThat(simulator.receivedRequests()).extracting(ReceivedRequest::bodyText).containsOnly(BODY);
		// the bucket holds what really went out: eight requests from three of capacity
		assertThat(this.engine.limiters().snapshot("openai").limits().get("requests-per-minute").available())
			.isEqualTo(-5);
	}

	@Test
	void aSmallBudgetIsCountedInShadowModeAsEnforcingActedOnItAndSpendsWhatTheProviderBilled(ProviderSimulator simulator) {
		// each call reserves its input and 1,024 output tokens and spends its input and 50: the allowance
		// shrinks to what is left, then, below min-output-tokens, the budget rejects
		BudgetSpec budget = new BudgetSpec("daily-tokens", BudgetScope.GLOBAL, BudgetPeriod.DAY, null, 600L, 0.8,
				OnExceeded.REJECT);

		Load enforced = run(simulator, GuardMode.ENFORCE, RateLimits.NONE, budget);
		long enforcedSpend = this.engine.budgets().usage("daily-tokens", "").spentTokens();
		Load shadowed = run(simulator, GuardMode.SHADOW, RateLimits.NONE, budget);

		assertThat(enforced.counts(false)).containsOnlyKeys("shrink", "budget_exceeded");
		assertThat(enforced.sent()).isLessThan(CALLS);
		assertThat(shadowed.sent()).isEqualTo(CALLS);
		assertThat(shadowed.counts(true)).isEqualTo(enforced.counts(false));
		// no max tokens was written into any request, also where enforcing shrank the allowance
		assertThat(simulator.receivedRequests()).extracting(ReceivedRequest::bodyText).containsOnly(BODY);
		long spent = this.engine.budgets().usage("daily-tokens", "").spentTokens();
		assertThat(spent).isGreaterThan(enforcedSpend)
			.isEqualTo(simulator.stats().inputTokens() + simulator.stats().outputTokens());
		assertThat(this.engine.budgets().usage("daily-tokens", "").reservedTokens()).isZero();
	}

	@Test
	void aRateLimitedModelIsNeitherRetriedNorFailedOverInShadowMode(ProviderSimulator simulator) {
		simulator.rateLimitModel("gpt-4o");
		try {
			RestClient client = client(simulator, GuardMode.SHADOW, CHAINED, null);

			assertThatExceptionOfType(HttpClientErrorException.TooManyRequests.class).isThrownBy(() -> post(client));

			assertThat(simulator.stats().requests()).isEqualTo(1);
			assertThat(simulator.lastRequest().bodyText()).isEqualTo(BODY);
			assertThat(this.decisions).extracting(GuardEvent.Decided::decision, GuardEvent.Decided::shadowed)
				.containsExactly(org.assertj.core.groups.Tuple.tuple("failover", true));
		}
		finally {
			simulator.clearRateLimitedModels();
		}
	}

	private Load run(ProviderSimulator simulator, GuardMode mode, RateLimits limits, BudgetSpec budget) {
		simulator.resetStats();
		this.decisions.clear();
		RestClient client = client(simulator, mode, limits, budget);
		int failed = 0;
		for (int i = 0; i < CALLS; i++) {
			try {
				post(client);
			}
			catch (LlmGuardException ex) {
				failed++;
			}
		}
		return new Load(simulator.stats().requests(), failed, new ArrayList<>(this.decisions));
	}

	private RestClient client(ProviderSimulator simulator, GuardMode mode, RateLimits limits, BudgetSpec budget) {
		if (this.engine != null) {
			this.engine.close();
		}
		ModelRef gpt4o = new ModelRef("openai", "gpt-4o");
		ModelRef mini = new ModelRef("openai", "gpt-4o-mini");
		GuardSettings.Builder settings = GuardSettings.builder()
			.headroom(1.0)
			.provider(new ProviderSpec("openai", simulator.baseUrl(), limits, null, Duration.ZERO,
					Map.of("gpt-4o", new ModelSpec(gpt4o, null, 128_000, 1024, null), "gpt-4o-mini",
							new ModelSpec(mini, null, 128_000, 1024, null))))
			.modes(GuardModes.of(mode));
		if (limits == CHAINED) {
			// a chain whose first model is rate limited would fail over to the next one when enforcing
			settings.chain(new ChainSpec("default", List.of(gpt4o, mini), Duration.ofSeconds(60), null));
		}
		if (budget != null) {
			settings.budget(budget);
		}
		this.engine = LlmGuardEngine.builder(settings.build())
			.clock(new ManualGuardClock())
			.classifier(new RestClientErrorClassifier())
			.listener((event) -> {
				if (event instanceof GuardEvent.Decided decided) {
					this.decisions.add(decided);
				}
			})
			.build();
		return RestClient.builder()
			.baseUrl(simulator.baseUrl())
			.requestInterceptor(new LlmGuardRestClientInterceptor(this.engine))
			.build();
	}

	private static String post(RestClient client) {
		return client.post()
			.uri("/v1/chat/completions")
			.contentType(MediaType.APPLICATION_JSON)
			.body(BODY)
			.retrieve()
			.body(String.class);
	}

	/** What one run of the load did. */
	private record Load(long sent, int failed, List<GuardEvent.Decided> decisions) {

		Map<String, Long> counts(boolean shadowed) {
			Map<String, Long> counts = new TreeMap<>();
			this.decisions.stream()
				.filter((d) -> d.shadowed() == shadowed)
				.forEach((d) -> counts.merge(d.decision(), 1L, Long::sum));
			return counts;
		}

	}

}

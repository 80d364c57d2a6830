package dev.llmguard.core.engine;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;

import dev.llmguard.core.CallRequest;
import dev.llmguard.core.FallbackExhaustedException;
import dev.llmguard.core.FallbackResponseMapper;
import dev.llmguard.core.LlmGuard;
import dev.llmguard.core.LlmGuardContext;
import dev.llmguard.core.cache.InMemoryAnswerCache;
import dev.llmguard.core.config.AnswerCacheSpec;
import dev.llmguard.core.config.ChainSpec;
import dev.llmguard.core.event.GuardEvent;

import static dev.llmguard.core.engine.EngineFixtures.CANNED;
import static dev.llmguard.core.engine.EngineFixtures.GPT_4O;
import static dev.llmguard.core.engine.EngineFixtures.MINI;
import static dev.llmguard.core.engine.EngineFixtures.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * A chain's cached last answer: when every model failed, the last good answer for the same key comes
 * back, marked as cached, before the chain's fallback response; kept for a ttl, bounded in count, and
 * never served to another tenant unless the chain shares answers.
 */
class CachedAnswerTests {

	private static final Duration TTL = Duration.ofMinutes(10);

	private final EngineFixtures.Guard guard = guard(false);

	/** gpt-4o answers once, then both models fail (gpt-4o rate limited, gpt-4o-mini refusing the prompt). */
	private final ScriptedProvider provider = new ScriptedProvider().on(GPT_4O, "the first answer")
		.always(GPT_4O, status(429))
		.always(MINI, status(400, "context_length_exceeded"));

	private static EngineFixtures.Guard guard(boolean shareAcrossTenants) {
		return new EngineFixtures.Guard(settings(shareAcrossTenants, 3));
	}

	private static dev.llmguard.core.config.GuardSettings settings(boolean shareAcrossTenants, long maxEntries) {
		return EngineFixtures.settings(s -> s.chain(new ChainSpec("cached", List.of(GPT_4O, MINI),
				Duration.ofSeconds(60), CANNED, new AnswerCacheSpec(TTL, maxEntries, shareAcrossTenants))));
	}

	private String ask(EngineFixtures.Guard guard, String tenant, String prompt) {
		LlmGuard facade = new LlmGuard(guard.engine);
		return facade.call(facade.request().chain("cached").tenant(tenant).prompt(prompt).build(), this.provider,
				text -> text);
	}

	@Test
	void answersTheLastGoodAnswerForTheSamePromptWhenEveryModelFailed() {
		assertThat(ask(this.guard, null, "What is a tent?")).isEqualTo("the first answer");
		this.guard.events.clear();

		String answer = ask(this.guard, null, "What is a tent?");

		assertThat(answer).isEqualTo("the first answer");
		assertThat(this.guard.finished().outcome()).isEqualTo("cached_response");
		assertThat(this.guard.finished().costNanos()).isZero();
		assertThat(this.guard.events(GuardEvent.FellBack.class)).last()
			.satisfies(fellBack -> assertThat(fellBack.to()).isEqualTo("cached_response"));
		this.guard.assertNothingHeld();
	}

	@Test
	void anotherPromptGetsTheFallbackResponse() {
		ask(this.guard, null, "What is a tent?");
		this.guard.events.clear();

		assertThat(ask(this.guard, null, "What is a stove?")).isEqualTo(CANNED);
		assertThat(this.guard.finished().outcome()).isEqualTo("fallback_response");
	}

	@Test
	void theCachedAnswerIsMarkedThroughTheCallersMapper() throws Throwable {
		ask(this.guard, null, "What is a tent?");
		FallbackResponseMapper<String> marking = new FallbackResponseMapper<>() {

			@Override
			public String map(String text) {
				return "fallback: " + text;
			}

			@Override
			public String cached(String text) {
				return "cached: " + text;
			}

		};

		String answer = this.guard.engine.execute(CallRequest.builder().chain("cached").prompt("What is a tent?").build(),
				this.provider, marking);

		assertThat(answer).isEqualTo("cached: the first answer");
	}

	@Test
	void aCachedAnswerIsKeptForTheTtlOnTheGuardsClock() {
		ask(this.guard, null, "What is a tent?");

		this.guard.clock.advance(TTL.minusSeconds(1));
		assertThat(ask(this.guard, null, "What is a tent?")).isEqualTo("the first answer");

		this.guard.clock.advance(Duration.ofSeconds(1));
		assertThat(ask(this.guard, null, "What is a tent?")).isEqualTo(CANNED);
	}

	@Test
	void aServedCachedAnswerDoesNotRenewItsTtl() {
		ask(this.guard, null, "What is a tent?");
		this.guard.clock.advance(TTL.minusMinutes(1));
		assertThat(ask(this.guard, null, "What is a tent?")).isEqualTo("the first answer");

		this.guard.clock.advance(Duration.ofMinutes(1));

		assertThat(ask(this.guard, null, "What is a tent?")).isEqualTo(CANNED);
	}

	@Test
	void eachChainKeepsAtMostItsMaxEntries() {
		InMemoryAnswerCache cache = new InMemoryAnswerCache(new dev.llmguard.core.time.ManualGuardClock());
		EngineFixtures.Guard bounded = new EngineFixtures.Guard(settings(false, 3), b -> b.answerCache(cache));
		ScriptedProvider answering = new ScriptedProvider();
		LlmGuard facade = new LlmGuard(bounded.engine);

		for (int i = 0; i < 50; i++) {
			facade.call(facade.request().chain("cached").prompt("question " + i).build(), answering, text -> text);
		}

		ChainSpec chain = bounded.engine.settings().chains().get("cached");
		assertThat(cache.size(chain)).isLessThanOrEqualTo(3).isPositive();
	}

	@Test
	void aTenantIsNeverAnsweredAnotherTenantsAnswer() {
		ask(this.guard, "acme", "What is a tent?");

		assertThat(ask(this.guard, "globex", "What is a tent?")).isEqualTo(CANNED);
		assertThat(ask(this.guard, null, "What is a tent?")).isEqualTo(CANNED);
		assertThat(ask(this.guard, "acme", "What is a tent?")).isEqualTo("the first answer");
	}

	@Test
	void aChainThatSharesAnswersAcrossTenantsAnswersAnyTenant() {
		EngineFixtures.Guard sharing = guard(true);
		ask(sharing, "acme", "What is a tent?");

		assertThat(ask(sharing, "globex", "What is a tent?")).isEqualTo("the first answer");
	}

	@Test
	void theCallersKeyStandsForThePrompt() {
		LlmGuard facade = new LlmGuard(this.guard.engine);
		facade.call(facade.request().chain("cached").prompt("Order 42: where is it?").cacheKey("order-42").build(),
				this.provider, text -> text);

		String answer = facade.call(
				facade.request().chain("cached").prompt("Where is order 42 now?").cacheKey("order-42").build(),
				this.provider, text -> text);

		assertThat(answer).isEqualTo("the first answer");
	}

	@Test
	void aChainWithoutCacheKeepsNoAnswer() {
		LlmGuard facade = new LlmGuard(this.guard.engine);
		facade.call(facade.request().chain("canned").prompt("What is a tent?").build(), this.provider, text -> text);

		assertThat(facade.call(facade.request().chain("canned").prompt("What is a tent?").build(), this.provider,
				text -> text)).isEqualTo(CANNED);
	}

	@Test
	void aResultTypeThatCannotCarryTextGetsTheErrorAsBefore() {
		ask(this.guard, null, "What is a tent?");

		assertThatExceptionOfType(FallbackExhaustedException.class)
			.isThrownBy(() -> this.guard.engine.execute(
					CallRequest.builder().chain("cached").prompt("What is a tent?").build(), this.provider,
					FallbackResponseMapper.none()));
	}

	@Test
	void aModelRequestInsideACallIsAnsweredFromTheCacheAndTheContextSaysSo() throws Throwable {
		CallRequest outer = CallRequest.builder().chain("cached").tenant("acme").prompt("user question").build();
		CallRequest request = CallRequest.builder().estimatedInputTokens(20L).cacheKey("messages:abc").build();
		AtomicBoolean cachedSeen = new AtomicBoolean();
		GuardedCode code = () -> this.guard.engine.execute(outer, context -> {
			String reply = this.guard.engine.executeRequest(request, this.provider, text -> text);
			cachedSeen.set(LlmGuardContext.current().cachedResponse());
			return "app: " + reply;
		}, text -> text);
		assertThat(code.run()).isEqualTo("app: the first answer");
		assertThat(cachedSeen).isFalse();
		this.guard.events.clear();

		assertThat(code.run()).isEqualTo("app: the first answer");

		assertThat(cachedSeen).isTrue();
		assertThat(this.guard.finished().outcome()).isEqualTo("cached_response");
		this.guard.assertNothingHeld();
	}

	@FunctionalInterface
	private interface GuardedCode {

		String run() throws Throwable;

	}

}

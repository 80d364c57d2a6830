package dev.llmguard.redis;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.llmguard.core.CallRequest;
import dev.llmguard.core.FallbackExhaustedException;
import dev.llmguard.core.GuardedOperation;
import dev.llmguard.core.LlmGuardEngine;
import dev.llmguard.core.config.AnswerCacheSpec;
import dev.llmguard.core.config.ChainSpec;
import dev.llmguard.core.config.GuardSettings;
import dev.llmguard.core.config.RetrySettings;
import dev.llmguard.core.retry.ProviderResponseException;
import dev.llmguard.core.time.ManualGuardClock;
import dev.llmguard.test.redis.RedisServerExtension;

import static dev.llmguard.redis.RedisTestSupport.GPT_4O;
import static dev.llmguard.redis.RedisTestSupport.GPT_4O_MINI;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Chains' cached last answers with the Redis backend, on a real redis-server: one instance's good
 * answer answers another instance's call when every model failed there; entries expire by Redis
 * expiry, each chain stays within max-entries, and Redis holds answers and digests, never prompts.
 */
class RedisAnswerCacheTests {

	@RegisterExtension
	static final RedisServerExtension redis = new RedisServerExtension();

	private static final Duration TTL = Duration.ofMinutes(10);

	private static final String PROMPT = "Which tent for two people in winter?";

	private final ManualGuardClock clock = new ManualGuardClock(RedisTestSupport.START);

	@BeforeEach
	void flush() {
		try (RedisTestSupport.Inspector inspector = new RedisTestSupport.Inspector(redis.port())) {
			inspector.redis().flushall();
		}
	}

	private static GuardSettings settings(long maxEntries) {
		return GuardSettings.builder()
			.headroom(1.0)
			.retry(new RetrySettings(1, Duration.ofMillis(100), 2.0, Duration.ofSeconds(1), Duration.ofSeconds(1)))
			.provider(RedisTestSupport.openai(RedisTestSupport.limits(1000L, null),
					RedisTestSupport.model(GPT_4O, null), RedisTestSupport.model(GPT_4O_MINI, null)))
			.chain(new ChainSpec("cached", List.of(GPT_4O, GPT_4O_MINI), Duration.ofSeconds(60), null,
					new AnswerCacheSpec(TTL, maxEntries, false)))
			.build();
	}

	private ApplicationContextRunner runner(long maxEntries) {
		return GuardInstances.runner(redis.port(), "answers", "fail-open", settings(maxEntries), this.clock);
	}

	private static CallRequest request(String tenant, String prompt) {
		return CallRequest.builder().chain("cached").tenant(tenant).prompt(prompt).build();
	}

	private static final GuardedOperation<String> FAILING = (context) -> {
		throw new ProviderResponseException(503, null, null, "HTTP 503 from " + context.modelRef());
	};

	@Test
	void anotherInstanceIsAnsweredWithTheLastGoodAnswerWhenEveryModelFailsThere() {
		ApplicationContextRunner runner = runner(100);
		runner.run((first) -> runner.run((second) -> {
			LlmGuardEngine one = first.getBean(LlmGuardEngine.class);
			LlmGuardEngine two = second.getBean(LlmGuardEngine.class);
			one.execute(request("acme", PROMPT), (context) -> "Take the four-season dome.", (text) -> text);

			String answer = two.execute(request("acme", PROMPT), FAILING, (text) -> text);

			assertThat(answer).isEqualTo("Take the four-season dome.");
			assertThatExceptionOfType(FallbackExhaustedException.class).as("another tenant")
				.isThrownBy(() -> two.execute(request("globex", PROMPT), FAILING, (text) -> text));
		}));
	}

	@Test
	void redisKeepsAnswersUnderDigestsForTheTtlNeverThePrompt() {
		ApplicationContextRunner runner = runner(100);
		runner.run((context) -> {
			context.getBean(LlmGuardEngine.class)
				.execute(request("acme", PROMPT), (guarded) -> "Take the four-season dome.", (text) -> text);
		});
		try (RedisTestSupport.Inspector inspector = new RedisTestSupport.Inspector(redis.port())) {
			List<String> keys = inspector.keys("answers:answer:*");
			assertThat(keys).hasSize(2); // the answer and the chain's index
			String answerKey = keys.stream().filter((key) -> key.matches("answers:answer:\\{cached}:[0-9a-f]{64}")).findFirst()
				.orElseThrow();
			assertThat(inspector.redis().get(answerKey)).isEqualTo("Take the four-season dome.");
			assertThat(inspector.redis().pttl(answerKey)).isPositive().isLessThanOrEqualTo(TTL.toMillis());
			for (String key : inspector.keys("*")) {
				assertThat(key).doesNotContain("tent", "acme");
			}
		}
	}

	@Test
	void eachChainKeepsAtMostItsMaxEntriesAcrossInstances() {
		ApplicationContextRunner runner = runner(5);
		runner.run((first) -> runner.run((second) -> {
			LlmGuardEngine[] engines = { first.getBean(LlmGuardEngine.class), second.getBean(LlmGuardEngine.class) };
			for (int i = 0; i < 20; i++) {
				engines[i % 2].execute(request(null, "question " + i), (context) -> "answer", (text) -> text);
			}
			try (RedisTestSupport.Inspector inspector = new RedisTestSupport.Inspector(redis.port())) {
				assertThat(inspector.keys("answers:answer:{cached}:*")).hasSize(5);
				assertThat(inspector.redis().zcard("answers:answer:{cached}")).isEqualTo(5);
			}
			// the newest answers are the ones kept
			assertThat(engines[0].execute(request(null, "question 19"), FAILING, (text) -> text)).isEqualTo("answer");
			assertThatExceptionOfType(FallbackExhaustedException.class)
				.isThrownBy(() -> engines[0].execute(request(null, "question 0"), FAILING, (text) -> text));
		}));
	}

}

package dev.llmguard.redis;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.llmguard.core.CallRequest;
import dev.llmguard.core.LlmGuardEngine;
import dev.llmguard.core.config.GuardSettings;
import dev.llmguard.core.config.LimitsMode;
import dev.llmguard.core.config.RateLimits;
import dev.llmguard.core.limit.Demand;
import dev.llmguard.core.limit.LimitSnapshot;
import dev.llmguard.core.limit.RatePermit;
import dev.llmguard.core.time.ManualGuardClock;
import dev.llmguard.test.redis.RedisServerExtension;

import static dev.llmguard.redis.RedisTestSupport.GPT_4O;
import static org.assertj.core.api.Assertions.assertThat;

/** With the Redis backend, what one instance learns from the provider's answers every instance runs on. */
class SharedLearnedLimitsTests {

	@RegisterExtension
	static final RedisServerExtension redis = new RedisServerExtension();

	private final ManualGuardClock clock = new ManualGuardClock(RedisTestSupport.START);

	@BeforeEach
	void flush() {
		try (RedisTestSupport.Inspector inspector = new RedisTestSupport.Inspector(redis.port())) {
			inspector.redis().flushall();
		}
	}

	@Test
	void secondInstanceRunsOnTheLimitsAndRemainingCountsTheFirstOneLearned() {
		GuardSettings settings = GuardSettings.builder()
			.headroom(1.0)
			.provider(RedisTestSupport.openai(RateLimits.NONE, RedisTestSupport.model(GPT_4O, RateLimits.NONE))
				.withLimitsMode(LimitsMode.AUTO))
			.build();
		ApplicationContextRunner runner = GuardInstances.runner(redis.port(), "learned", "fail-closed", settings,
				this.clock);
		runner.run((first) -> runner.run((second) -> {
			LlmGuardEngine one = first.getBean(LlmGuardEngine.class);
			LlmGuardEngine two = second.getBean(LlmGuardEngine.class);

			// the code of a guarded call hands the answer's headers over through its context
			one.execute(CallRequest.builder().model(GPT_4O).estimatedInputTokens(100L).maxOutputTokens(100).build(),
					(context) -> {
						context.recordRateLimitHeaders(Map.of("x-ratelimit-limit-tokens", "20000",
								"x-ratelimit-remaining-tokens", "5000", "x-ratelimit-reset-tokens", "45s",
								"x-ratelimit-limit-requests", "60", "x-ratelimit-remaining-requests", "40"));
						context.recordUsage(100, 50);
						return "answer";
					}, dev.llmguard.core.FallbackResponseMapper.none());

			// the second instance never heard from the provider: no caution, the learned limits, the shared remainder
			RatePermit a = two.limiters().acquire(GPT_4O, new Demand(1000, 0), 5, Duration.ZERO);
			RatePermit b = two.limiters().acquire(GPT_4O, new Demand(1000, 0), 5, Duration.ZERO);
			LimitSnapshot.BucketLevel tokens = two.limiters().snapshot("openai").limits().get("tokens-per-minute");
			LimitSnapshot.BucketLevel requests = two.limiters().snapshot("openai").limits().get("requests-per-minute");
			a.settle(new dev.llmguard.core.model.Usage(1000, 0));
			b.settle(new dev.llmguard.core.model.Usage(1000, 0));
			assertThat(tokens.capacity()).isEqualTo(20_000);
			// buckets refill by Redis's clock while the test runs: a little more, never less
			assertThat(tokens.available()).isBetween(5_000L - 2_000, 5_000L - 2_000 + 200);
			assertThat(requests.capacity()).isEqualTo(60);
			assertThat(requests.available()).isBetween(40L - 2, 40L - 2 + 2);
		}));
	}

}

package dev.llmguard.redis;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import dev.llmguard.autoconfigure.LlmGuardRedisAutoConfiguration;
import dev.llmguard.core.breaker.BreakerStore;
import dev.llmguard.core.budget.BudgetLedger;
import dev.llmguard.core.limit.BucketStore;
import dev.llmguard.core.limit.CooldownStore;
import dev.llmguard.core.limit.LocalBucketStore;
import dev.llmguard.core.time.GuardClock;

import static org.assertj.core.api.Assertions.assertThat;

/** When the Redis backend is configured, and what it takes from {@code llm.guard.redis.*}. */
class LlmGuardRedisAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner().withConfiguration(
			AutoConfigurations.of(DataRedisAutoConfiguration.class, LlmGuardRedisAutoConfiguration.class));

	@Test
	void providesTheSharedStoresWhenTheBackendIsRedis() {
		this.runner.withPropertyValues("llm.guard.backend=redis").run((context) -> {
			assertThat(context).hasSingleBean(RedisGuardBackend.class);
			assertThat(context.getBean(BucketStore.class)).isInstanceOf(RedisBucketStore.class);
			assertThat(context.getBean(BudgetLedger.class)).isInstanceOf(RedisBudgetLedger.class);
			assertThat(context.getBean(CooldownStore.class)).isInstanceOf(RedisCooldownStore.class);
			assertThat(context.getBean(BreakerStore.class)).isInstanceOf(RedisBreakerStore.class);
			assertThat(context.getBean(RedisGuardBackend.class).options()).isEqualTo(RedisGuardOptions.DEFAULT);
		});
	}

	@Test
	void staysAwayWithTheMemoryBackendOrWithoutRedisOnTheClasspath() {
		this.runner.run((context) -> assertThat(context).doesNotHaveBean(RedisGuardBackend.class));
		this.runner.withPropertyValues("llm.guard.backend=memory")
			.run((context) -> assertThat(context).doesNotHaveBean(BucketStore.class));
		this.runner.withPropertyValues("llm.guard.backend=redis")
			.withClassLoader(new FilteredClassLoader(LettuceConnectionFactory.class))
			.run((context) -> assertThat(context).doesNotHaveBean(RedisGuardBackend.class));
	}

	@Test
	void staysAwayWhenLlmGuardIsDisabled() {
		this.runner.withPropertyValues("llm.guard.enabled=false", "llm.guard.backend=redis")
			.run((context) -> assertThat(context).hasNotFailed()
				.doesNotHaveBean(RedisGuardBackend.class)
				.doesNotHaveBean(BudgetLedger.class));
	}

	@Test
	void reportsAnUnknownZoneWithItsKey() {
		this.runner.withPropertyValues("llm.guard.backend=redis", "llm.guard.zone=Mars/Olympus_Mons")
			// Boot's binder names the property and the value; its failure analyzer prints both
			.run((context) -> assertThat(context).getFailure()
				.hasStackTraceContaining("llm.guard.zone")
				.hasStackTraceContaining("Mars/Olympus_Mons"));
	}

	@Test
	void readsItsSettings() {
		this.runner
			.withPropertyValues("llm.guard.backend=redis", "llm.guard.redis.key-prefix=shop-guard",
					"llm.guard.redis.on-failure=FAIL_CLOSED", "llm.guard.redis.timeout=250ms",
					"llm.guard.redis.reservation-lease=5m", "llm.guard.redis.concurrency-lease=45s")
			.run((context) -> {
				RedisGuardOptions options = context.getBean(RedisGuardBackend.class).options();
				assertThat(options.keyPrefix()).isEqualTo("shop-guard");
				assertThat(options.onFailure()).isEqualTo(RedisFailureMode.FAIL_CLOSED);
				assertThat(options.timeout()).isEqualTo(Duration.ofMillis(250));
				assertThat(options.reservationLease()).isEqualTo(Duration.ofMinutes(5));
				assertThat(options.concurrencyLease()).isEqualTo(Duration.ofSeconds(45));
			});
	}

	@Test
	void failsWithTheKeyAndTheFixOnBadSettings() {
		this.runner.withPropertyValues("llm.guard.backend=redis", "llm.guard.redis.on-failure=maybe")
			// Boot's binder names the property and the value; its failure analyzer prints both
			.run((context) -> assertThat(context).getFailure()
				.hasStackTraceContaining("llm.guard.redis.on-failure")
				.hasStackTraceContaining("maybe"));
		this.runner.withPropertyValues("llm.guard.backend=redis", "llm.guard.redis.key-prefix=a{b}")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageContaining("llm.guard.redis.key-prefix"));
	}

	@Test
	void failsClearlyWithoutARedisConnection() {
		new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(LlmGuardRedisAutoConfiguration.class))
			.withPropertyValues("llm.guard.backend=redis")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.isInstanceOf(dev.llmguard.autoconfigure.InvalidLlmGuardConfigurationException.class)
				.hasMessageContaining("llm.guard.backend"));
	}

	@Test
	void backsOffForTheApplicationsOwnStores() {
		this.runner.withPropertyValues("llm.guard.backend=redis")
			.withBean(BucketStore.class, () -> new LocalBucketStore(GuardClock.system()))
			.run((context) -> {
				assertThat(context.getBean(BucketStore.class)).isInstanceOf(LocalBucketStore.class);
				assertThat(context).hasSingleBean(RedisBudgetLedger.class);
			});
	}

}

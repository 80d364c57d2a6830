package dev.llmguard.autoconfigure;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import dev.llmguard.annotation.RateLimitedLlm;
import dev.llmguard.core.event.GuardEvent;
import dev.llmguard.core.event.GuardListener;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.cache.CacheManager;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.cache.concurrent.ConcurrentMapCacheManager;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.retry.annotation.Backoff;
import org.springframework.retry.annotation.EnableRetry;
import org.springframework.retry.annotation.Retryable;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With the default {@code llm.guard.aspect-order} the guard is the innermost advice: the
 * application's caching and retries wrap the guarded call instead of running inside it.
 */
class DefaultAspectOrderTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(AopAutoConfiguration.class, LlmGuardAutoConfiguration.class))
		.withPropertyValues("llm.guard.providers.openai.requests-per-minute=100",
				"llm.guard.chains.default.models=openai/gpt-4o")
		.withUserConfiguration(ApplicationConfiguration.class);

	@Test
	void eachAttemptOfTheApplicationsOwnRetryIsAGuardedCallOfItsOwn() {
		this.runner.run((context) -> {
			assertThat(context.getBean(FlakyAssistant.class).answer("hello")).isEqualTo("ok");
			// two failed attempts and the successful one, each admitted and settled by the guard
			assertThat(context.getBean(FinishedCalls.class).outcomes()).hasSize(3);
		});
	}

	@Test
	void aCachedAnswerIsNotAGuardedCall() {
		this.runner.run((context) -> {
			CachingAssistant assistant = context.getBean(CachingAssistant.class);
			assertThat(assistant.answer("hello")).isEqualTo("answer 1");
			assertThat(assistant.answer("hello")).isEqualTo("answer 1");
			assertThat(context.getBean(FinishedCalls.class).outcomes()).hasSize(1);
		});
	}

	@Configuration(proxyBeanMethods = false)
	@EnableRetry(proxyTargetClass = true)
	@EnableCaching(proxyTargetClass = true)
	static class ApplicationConfiguration {

		@Bean
		FinishedCalls finishedCalls() {
			return new FinishedCalls();
		}

		@Bean
		CacheManager cacheManager() {
			return new ConcurrentMapCacheManager("answers");
		}

		@Bean
		FlakyAssistant flakyAssistant() {
			return new FlakyAssistant();
		}

		@Bean
		CachingAssistant cachingAssistant() {
			return new CachingAssistant();
		}

	}

	static class FinishedCalls implements GuardListener {

		private final List<String> outcomes = new CopyOnWriteArrayList<>();

		@Override
		public void onEvent(GuardEvent event) {
			if (event instanceof GuardEvent.CallFinished finished) {
				this.outcomes.add(finished.outcome());
			}
		}

		List<String> outcomes() {
			return this.outcomes;
		}

	}

	static class FlakyAssistant {

		private final AtomicInteger attempts = new AtomicInteger();

		@Retryable(retryFor = IllegalStateException.class, maxAttempts = 3, backoff = @Backoff(delay = 0))
		@RateLimitedLlm(chain = "default")
		public String answer(String prompt) {
			if (this.attempts.incrementAndGet() < 3) {
				throw new IllegalStateException("flaky");
			}
			return "ok";
		}

	}

	static class CachingAssistant {

		private final AtomicInteger answers = new AtomicInteger();

		@Cacheable("answers")
		@RateLimitedLlm(chain = "default")
		public String answer(String prompt) {
			return "answer " + this.answers.incrementAndGet();
		}

	}

}

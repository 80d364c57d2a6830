package dev.llmguard.autoconfigure;

import dev.llmguard.actuate.ObserveFixtures;
import dev.llmguard.annotation.RateLimitedLlm;
import dev.llmguard.annotation.RateLimitedLlmAspect;
import dev.llmguard.core.LlmGuard;
import dev.llmguard.core.LlmGuardContext;
import dev.llmguard.core.LlmGuardEngine;
import dev.llmguard.core.RateLimitExceededException;
import dev.llmguard.core.model.Usage;
import dev.llmguard.core.time.GuardClock;
import dev.llmguard.core.time.ManualGuardClock;
import dev.llmguard.http.RestClientErrorClassifier;
import dev.llmguard.springai.AnthropicSdkErrorClassifier;
import dev.llmguard.springai.GoogleGenAiErrorClassifier;
import dev.llmguard.springai.OpenAiSdkErrorClassifier;
import dev.llmguard.springai.SpringAiUsageExtractor;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The engine, facade and aspect beans, and what happens when optional pieces are missing. */
class LlmGuardEngineAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(AopAutoConfiguration.class, LlmGuardAutoConfiguration.class,
				LlmGuardSpringAiAutoConfiguration.class, LlmGuardRestClientAutoConfiguration.class))
		.withPropertyValues("llm.guard.providers.openai.requests-per-minute=2", "llm.guard.headroom=1",
				"llm.guard.providers.openai.max-wait=0s", "llm.guard.providers.openai.models.gpt-4o.input-price=2.50",
				"llm.guard.providers.openai.models.gpt-4o.output-price=10.00",
				"llm.guard.providers.openai.models.gpt-4o-mini.input-price=0.15",
				"llm.guard.providers.openai.models.gpt-4o-mini.output-price=0.60",
				"llm.guard.chains.default.models=openai/gpt-4o,openai/gpt-4o-mini");

	@Test
	void buildsTheEngineTheFacadeAndTheAspect() {
		this.runner.run(context -> {
			assertThat(context).hasSingleBean(LlmGuardEngine.class)
				.hasSingleBean(LlmGuard.class)
				.hasSingleBean(RateLimitedLlmAspect.class)
				.hasSingleBean(RestClientErrorClassifier.class)
				.hasSingleBean(OpenAiSdkErrorClassifier.class)
				.hasSingleBean(AnthropicSdkErrorClassifier.class)
				.hasSingleBean(GoogleGenAiErrorClassifier.class)
				.hasSingleBean(SpringAiUsageExtractor.class);
			assertThat(context.getBean(LlmGuardEngine.class).settings().chains()).containsKey("default");
		});
	}

	@Test
	void aspectOrderComesFromTheProperty() {
		this.runner.withPropertyValues("llm.guard.aspect-order=42")
			.run(context -> assertThat(context.getBean(RateLimitedLlmAspect.class).getOrder()).isEqualTo(42));
	}

	@Test
	void annotatedBeanIsGuardedThroughTheContext() {
		this.runner.withUserConfiguration(AssistantConfiguration.class).run(context -> {
			Assistant assistant = context.getBean(Assistant.class);
			assertThat(assistant.answer("hello")).isEqualTo("openai/gpt-4o");
			assertThat(assistant.answer("hello")).isEqualTo("openai/gpt-4o");
			// the provider's two requests per minute are used: the chain's models share its buckets
			assertThatThrownBy(() -> assistant.answer("hello")).isInstanceOf(RateLimitExceededException.class);
		});
	}

	@Test
	void theInMemoryLedgerHoldsAsManyBudgetEntriesAsConfigured() {
		this.runner
			.withPropertyValues("llm.guard.memory.max-budget-entries=2", "llm.guard.providers.openai.requests-per-minute=100",
					"llm.guard.budgets.per-tenant.scope=tenant", "llm.guard.budgets.per-tenant.max-tokens=100000")
			.run(context -> {
				LlmGuardEngine engine = context.getBean(LlmGuardEngine.class);
				for (String tenant : new String[] { "a", "b", "c" }) {
					ObserveFixtures.call(engine, tenant, new Usage(100, 20));
				}
				// two entries are held: the least recently used tenant's was forgotten
				assertThat(engine.budgets().usage("per-tenant", "a").spentTokens()).isZero();
				assertThat(engine.budgets().usage("per-tenant", "b").spentTokens()).isEqualTo(120);
				assertThat(engine.budgets().usage("per-tenant", "c").spentTokens()).isEqualTo(120);
			});
	}

	@Test
	void disabledGuardCreatesNothing() {
		this.runner.withPropertyValues("llm.guard.enabled=false").withUserConfiguration(AssistantConfiguration.class)
			.run(context -> {
				assertThat(context).doesNotHaveBean(LlmGuardEngine.class)
					.doesNotHaveBean(LlmGuard.class)
					.doesNotHaveBean(RateLimitedLlmAspect.class);
				// the annotated method runs unguarded
				assertThat(context.getBean(Assistant.class).answer("hello")).isEqualTo("unguarded");
			});
	}

	@Test
	void withoutAspectJThereIsNoAspectButTheEngineWorks() {
		this.runner.withClassLoader(new FilteredClassLoader("org.aspectj")).run(context -> {
			assertThat(context).hasSingleBean(LlmGuardEngine.class).doesNotHaveBean(RateLimitedLlmAspect.class);
		});
	}

	@Test
	void withoutSpringAiTheSpringAiPiecesAreLeftOut() {
		this.runner.withClassLoader(new FilteredClassLoader("org.springframework.ai", "com.openai"))
			.run(context -> assertThat(context).hasSingleBean(LlmGuardEngine.class)
				.doesNotHaveBean(SpringAiUsageExtractor.class)
				.doesNotHaveBean(OpenAiSdkErrorClassifier.class));
	}

	@Test
	void eachSdksClassifierIsLeftOutWithoutItsSdk() {
		this.runner.withClassLoader(new FilteredClassLoader("com.anthropic", "com.google.genai"))
			.run(context -> assertThat(context).hasNotFailed()
				.hasSingleBean(OpenAiSdkErrorClassifier.class)
				.doesNotHaveBean(AnthropicSdkErrorClassifier.class)
				.doesNotHaveBean(GoogleGenAiErrorClassifier.class));
		this.runner.withClassLoader(new FilteredClassLoader("com.openai"))
			.run(context -> assertThat(context).hasNotFailed()
				.doesNotHaveBean(OpenAiSdkErrorClassifier.class)
				.hasSingleBean(AnthropicSdkErrorClassifier.class));
	}

	@Test
	void withoutSpringDataRedisTheMemoryBackendStillStarts() {
		this.runner.withClassLoader(new FilteredClassLoader("org.springframework.data.redis", "io.lettuce"))
			.run(context -> assertThat(context).hasNotFailed().hasSingleBean(LlmGuardEngine.class));
	}

	@Test
	void withoutActuatorOrMicrometerTheEngineStillStarts() {
		this.runner.withClassLoader(new FilteredClassLoader("org.springframework.boot.actuate", "io.micrometer"))
			.run(context -> assertThat(context).hasNotFailed().hasSingleBean(LlmGuardEngine.class));
	}

	@Test
	void aClockBeanReplacesTheSystemClock() {
		ManualGuardClock clock = new ManualGuardClock();
		this.runner.withBean(GuardClock.class, () -> clock)
			.run(context -> assertThat(context.getBean(LlmGuardEngine.class).clock()).isSameAs(clock));
	}

	@Configuration(proxyBeanMethods = false)
	static class AssistantConfiguration {

		@Bean
		Assistant assistant() {
			return new Assistant();
		}

	}

	static class Assistant {

		@RateLimitedLlm(chain = "default", priority = 1)
		public String answer(String prompt) {
			LlmGuardContext context = LlmGuardContext.find();
			return (context != null) ? context.modelRef().toString() : "unguarded";
		}

	}

}

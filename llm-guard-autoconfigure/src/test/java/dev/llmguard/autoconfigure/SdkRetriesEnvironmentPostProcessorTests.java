package dev.llmguard.autoconfigure;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.ai.model.openai.autoconfigure.OpenAiCommonProperties;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.core.io.DefaultResourceLoader;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The SDKs' own retries are off where llm-guard guards their provider, unless the application says
 * otherwise: checked through a real {@link SpringApplication}, which finds the post-processor in
 * {@code META-INF/spring.factories}.
 */
@ExtendWith(OutputCaptureExtension.class)
class SdkRetriesEnvironmentPostProcessorTests {

	private static ConfigurableApplicationContext run(ClassLoader classLoader, String... args) {
		SpringApplication application = new SpringApplication(Empty.class);
		application.setWebApplicationType(WebApplicationType.NONE);
		if (classLoader != null) {
			application.setResourceLoader(new DefaultResourceLoader(classLoader));
		}
		return application.run(args);
	}

	@Test
	void theOpenAiAndAnthropicSdksRetriesDefaultToZeroAndOneInfoLineSaysSo(CapturedOutput output) {
		try (ConfigurableApplicationContext context = run(null)) {
			Environment environment = context.getEnvironment();
			assertThat(environment.getProperty("spring.ai.openai.max-retries")).isEqualTo("0");
			assertThat(environment.getProperty("spring.ai.anthropic.max-retries")).isEqualTo("0");
			// the name Spring AI's OpenAI auto-configuration binds
			assertThat(Binder.get(environment).bindOrCreate("spring.ai.openai", OpenAiCommonProperties.class)
				.getMaxRetries()).isZero();
		}
		assertThat(output).containsOnlyOnce("llm-guard retries guarded calls itself")
			.contains("spring.ai.openai.max-retries=0, spring.ai.anthropic.max-retries=0");
	}

	@Test
	void whatTheApplicationSetsIsKept(CapturedOutput output) {
		try (ConfigurableApplicationContext context = run(null, "--spring.ai.anthropic.max-retries=2",
				"--spring.ai.openai.chat.max-retries=1")) {
			assertThat(context.getEnvironment().getProperty("spring.ai.anthropic.max-retries")).isEqualTo("2");
			assertThat(context.getEnvironment().containsProperty("spring.ai.openai.max-retries")).isFalse();
		}
		assertThat(output).doesNotContain("llm-guard retries guarded calls itself");
	}

	@Test
	void onlyTheSdksOfModelsOnTheClassPathAreTouched(CapturedOutput output) {
		try (ConfigurableApplicationContext context = run(new FilteredClassLoader("org.springframework.ai.anthropic"))) {
			assertThat(context.getEnvironment().getProperty("spring.ai.openai.max-retries")).isEqualTo("0");
			assertThat(context.getEnvironment().containsProperty("spring.ai.anthropic.max-retries")).isFalse();
		}
		assertThat(output).contains("set spring.ai.openai.max-retries=0;");
	}

	@Test
	void nothingChangesWhenTheGuardIsDisabled() {
		try (ConfigurableApplicationContext context = run(null, "--llm.guard.enabled=false")) {
			assertThat(context.getEnvironment().containsProperty("spring.ai.openai.max-retries")).isFalse();
			assertThat(context.getEnvironment().containsProperty("spring.ai.anthropic.max-retries")).isFalse();
		}
	}

	@Configuration(proxyBeanMethods = false)
	static class Empty {

	}

}

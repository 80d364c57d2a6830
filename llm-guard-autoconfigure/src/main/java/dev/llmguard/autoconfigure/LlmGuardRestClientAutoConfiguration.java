package dev.llmguard.autoconfigure;

import tools.jackson.databind.ObjectMapper;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.restclient.RestClientCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.web.client.RestClient;

import dev.llmguard.core.LlmGuardEngine;
import dev.llmguard.http.LlmGuardRestClientInterceptor;
import dev.llmguard.http.RestClientErrorClassifier;

/**
 * Guards {@code RestClient} calls to configured provider base URLs
 * ({@code llm.guard.providers.<name>.base-url}): every {@code RestClient.Builder} Spring Boot hands
 * out gets the {@link LlmGuardRestClientInterceptor}.
 */
@AutoConfiguration(afterName = "dev.llmguard.autoconfigure.LlmGuardAutoConfiguration")
@ConditionalOnClass({ RestClient.class, RestClientCustomizer.class, ObjectMapper.class })
@ConditionalOnBean(LlmGuardEngine.class)
public final class LlmGuardRestClientAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	LlmGuardRestClientInterceptor llmGuardRestClientInterceptor(LlmGuardEngine engine) {
		return new LlmGuardRestClientInterceptor(engine);
	}

	@Bean
	@ConditionalOnMissingBean(name = "llmGuardRestClientCustomizer")
	RestClientCustomizer llmGuardRestClientCustomizer(LlmGuardRestClientInterceptor interceptor) {
		return builder -> builder.requestInterceptor(interceptor);
	}

	@Bean
	@ConditionalOnMissingBean
	RestClientErrorClassifier restClientErrorClassifier() {
		return new RestClientErrorClassifier();
	}

}

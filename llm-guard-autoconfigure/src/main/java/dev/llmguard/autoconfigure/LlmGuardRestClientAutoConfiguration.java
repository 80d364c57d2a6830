package dev.llmguard.autoconfigure;

import java.util.Set;
import java.util.TreeSet;

import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.ObjectProvider;
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
 * out gets the {@link LlmGuardRestClientInterceptor}, which also guards the providers' other requests
 * where {@code llm.guard.providers.<name>.guard-other-requests} is set.
 */
@AutoConfiguration(afterName = "dev.llmguard.autoconfigure.LlmGuardAutoConfiguration")
@ConditionalOnClass({ RestClient.class, RestClientCustomizer.class, ObjectMapper.class })
@ConditionalOnBean(LlmGuardEngine.class)
public final class LlmGuardRestClientAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	LlmGuardRestClientInterceptor llmGuardRestClientInterceptor(LlmGuardEngine engine,
			ObjectProvider<LlmGuardProperties> properties) {
		Set<String> guardOtherRequests = new TreeSet<>();
		LlmGuardProperties bound = properties.getIfAvailable();
		if (bound != null) {
			bound.getProviders().forEach((name, provider) -> {
				if (provider.isGuardOtherRequests() && engine.settings().providers().containsKey(name)) {
					guardOtherRequests.add(name);
				}
			});
		}
		return new LlmGuardRestClientInterceptor(engine, JsonMapper.builder().build(), guardOtherRequests);
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

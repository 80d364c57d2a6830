package dev.llmguard.security;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.security.autoconfigure.actuate.web.servlet.EndpointRequest;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.web.SecurityFilterChain;

import dev.llmguard.core.change.RuntimeLimits;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Spring Security present but letting every management request through: an anonymous request carries
 * no principal (Spring Security's anonymous user is none), so the {@code llmguardlimits} endpoint
 * itself still refuses the write (403) and names both ways to allow it.
 */
@SpringBootTest(classes = PermittedLimitsEndpointTests.PermissiveApp.class,
		webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "management.endpoints.web.exposure.include=llmguardlimits",
				"llm.guard.providers.openai.requests-per-minute=500",
				"llm.guard.providers.openai.models.gpt-4o.input-price=2.50",
				"llm.guard.providers.openai.models.gpt-4o.output-price=10.00" })
class PermittedLimitsEndpointTests {

	@LocalServerPort
	int port;

	@Autowired
	RuntimeLimits limits;

	@Test
	void anAnonymousWriteIsRefusedByTheEndpointItself() throws Exception {
		HttpRequest request = HttpRequest
			.newBuilder(URI.create("http://127.0.0.1:" + this.port + "/actuator/llmguardlimits"))
			.header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers
				.ofString("{\"setting\": \"providers.openai.requests-per-minute\", \"value\": 300}"))
			.build();

		HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());

		assertThat(response.statusCode()).isEqualTo(403);
		assertThat(response.body()).contains("needs an authenticated principal")
			.contains("management.endpoint.llmguardlimits.access=unrestricted");
		assertThat(this.limits.settings().get("providers.openai.requests-per-minute").overridden()).isFalse();
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class PermissiveApp {

		@Bean
		SecurityFilterChain actuator(HttpSecurity http) throws Exception {
			return http.securityMatcher(EndpointRequest.toAnyEndpoint())
				.authorizeHttpRequests((requests) -> requests.anyRequest().permitAll())
				.csrf((csrf) -> csrf.disable())
				.build();
		}

	}

}

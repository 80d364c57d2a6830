package dev.llmguard.security;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.security.autoconfigure.actuate.web.servlet.EndpointRequest;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.http.HttpMethod;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;

import dev.llmguard.core.LlmGuardEngine;
import dev.llmguard.core.change.RuntimeLimits;
import dev.llmguard.core.event.GuardEvent;
import dev.llmguard.core.event.GuardListener;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code llmguardlimits} endpoint behind real Spring Security, over HTTP on a real server, with
 * the {@code SecurityFilterChain} the README shows: a write without credentials is refused (401), a
 * user without the operators' role is refused (403), an operator's write passes and the
 * {@code limits-changed} event names the operator.
 */
@SpringBootTest(classes = SecuredLimitsEndpointTests.SecuredApp.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "management.endpoints.web.exposure.include=health,llmguard,llmguardevents,llmguardlimits",
				"llm.guard.providers.openai.requests-per-minute=500",
				"llm.guard.providers.openai.models.gpt-4o.input-price=2.50",
				"llm.guard.providers.openai.models.gpt-4o.output-price=10.00",
				"llm.guard.tools.search.limit=100", "llm.guard.tools.search.window=60s" })
class SecuredLimitsEndpointTests {

	private static final String RAISE = "{\"setting\": \"providers.openai.requests-per-minute\", \"value\": 300}";

	private static final String SHADOW_SEARCH = "{\"setting\": \"tools.search.mode\", \"value\": \"shadow\"}";

	private final HttpClient http = HttpClient.newHttpClient();

	@LocalServerPort
	int port;

	@Autowired
	LlmGuardEngine engine;

	@Autowired
	RuntimeLimits limits;

	@Autowired
	Recorder recorder;

	@AfterEach
	void resetLimits() {
		this.limits.reset(null, null);
		this.recorder.events.clear();
	}

	@Test
	void aWriteWithoutCredentialsIsUnauthorizedAndChangesNothing() throws Exception {
		assertThat(post("/actuator/llmguardlimits", RAISE, null).statusCode()).isEqualTo(401);
		assertThat(delete("/actuator/llmguardlimits", null).statusCode()).isEqualTo(401);

		assertThat(requestsPerMinute()).isEqualTo(500);
		assertThat(this.recorder.limitsChanged()).isEmpty();
	}

	@Test
	void aUserWithoutTheOperatorsRoleIsForbiddenToWriteButMayRead() throws Exception {
		assertThat(get("/actuator/llmguardlimits", "viewer").statusCode()).isEqualTo(200);
		assertThat(post("/actuator/llmguardlimits", RAISE, "viewer").statusCode()).isEqualTo(403);

		assertThat(requestsPerMinute()).isEqualTo(500);
		assertThat(this.recorder.limitsChanged()).isEmpty();
	}

	@Test
	void anOperatorsWritePassesAndTheEventNamesTheOperator() throws Exception {
		HttpResponse<String> raised = post("/actuator/llmguardlimits", RAISE, "alice");
		assertThat(raised.statusCode()).isEqualTo(200);
		assertThat(raised.body()).contains("\"newValue\":\"300\"");
		assertThat(post("/actuator/llmguardlimits", SHADOW_SEARCH, "alice").statusCode()).isEqualTo(200);

		assertThat(requestsPerMinute()).isEqualTo(300);
		assertThat(this.engine.modes().get().shadowsTool("search")).isTrue();
		assertThat(this.recorder.limitsChanged()).extracting(GuardEvent.LimitsChanged::principal)
			.containsExactly("alice", "alice");
		// the events endpoint shows who changed what
		HttpResponse<String> events = get("/actuator/llmguardevents", "viewer");
		assertThat(events.statusCode()).isEqualTo(200);
		assertThat(events.body()).contains("\"type\":\"limits-changed\"").contains("\"principal\":\"alice\"");

		HttpResponse<String> reset = delete("/actuator/llmguardlimits/tools.search", "alice");
		assertThat(reset.statusCode()).isEqualTo(200);
		assertThat(this.engine.modes().get().shadowsTool("search")).isFalse();
		assertThat(this.recorder.limitsChanged()).last()
			.satisfies((event) -> assertThat(event.principal()).isEqualTo("alice"));
	}

	private long requestsPerMinute() {
		return Long.parseLong(this.limits.settings().get("providers.openai.requests-per-minute").current());
	}

	private HttpResponse<String> get(String path, String user) throws Exception {
		return send(request(path, user).GET());
	}

	private HttpResponse<String> post(String path, String json, String user) throws Exception {
		return send(request(path, user).header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofString(json)));
	}

	private HttpResponse<String> delete(String path, String user) throws Exception {
		return send(request(path, user).DELETE());
	}

	private HttpRequest.Builder request(String path, String user) {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + path));
		if (user != null) {
			String credentials = user + ":" + user + "-password";
			request.header("Authorization",
					"Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8)));
		}
		return request;
	}

	private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
		return this.http.send(request.build(), HttpResponse.BodyHandlers.ofString());
	}

	/** Records the guard's events. */
	static final class Recorder implements GuardListener {

		final List<GuardEvent> events = new CopyOnWriteArrayList<>();

		@Override
		public void onEvent(GuardEvent event) {
			this.events.add(event);
		}

		List<GuardEvent.LimitsChanged> limitsChanged() {
			return this.events.stream()
				.filter(GuardEvent.LimitsChanged.class::isInstance)
				.map(GuardEvent.LimitsChanged.class::cast)
				.toList();
		}

	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class SecuredApp {

		/** The README's chain for the management endpoints. */
		@Bean
		SecurityFilterChain actuator(HttpSecurity http) throws Exception {
			return http.securityMatcher(EndpointRequest.toAnyEndpoint())
				.authorizeHttpRequests((requests) -> requests.requestMatchers(EndpointRequest.to("health"))
					.permitAll()
					.requestMatchers(HttpMethod.GET, "/actuator/**")
					.hasRole("VIEWER")
					.anyRequest()
					.hasRole("OPS"))
				.httpBasic(Customizer.withDefaults())
				// writes come from curl or scripts with credentials, never from a browser session
				.csrf((csrf) -> csrf.disable())
				.build();
		}

		@Bean
		UserDetailsService users() {
			return new InMemoryUserDetailsManager(
					User.withUsername("viewer").password("{noop}viewer-password").roles("VIEWER").build(),
					User.withUsername("alice").password("{noop}alice-password").roles("VIEWER", "OPS").build());
		}

		@Bean
		Recorder recorder() {
			return new Recorder();
		}

	}

}

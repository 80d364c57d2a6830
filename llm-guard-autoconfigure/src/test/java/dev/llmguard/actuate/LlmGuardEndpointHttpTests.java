package dev.llmguard.actuate;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.context.annotation.Bean;
import org.springframework.test.web.servlet.MockMvc;

import dev.llmguard.autoconfigure.LlmGuardEndpointAutoConfiguration;
import dev.llmguard.core.LlmGuardEngine;
import dev.llmguard.core.model.Usage;

import static org.hamcrest.Matchers.containsString;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.delete;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/** The endpoints over HTTP in a web application, as a user reaches them. */
class LlmGuardEndpointHttpTests {

	@Nested
	@SpringBootTest(classes = WebApp.class,
			properties = { "management.endpoints.web.exposure.include=health,llmguard,llmguardevents",
					"spring.ai.openai.api-key=unused" })
	@AutoConfigureMockMvc
	class WhenExposed {

		@Autowired
		MockMvc mvc;

		@Autowired
		LlmGuardEngine engine;

		@Test
		void readsTheStateWithExplicitNulls() throws Exception {
			this.mvc.perform(get("/actuator/llmguard"))
				.andExpect(status().isOk())
				.andExpect(jsonPath("$.backend").value("memory"))
				.andExpect(jsonPath("$.providers.openai.limits['requests-per-minute'].capacity").value(400))
				.andExpect(jsonPath("$.providers.openai.models['gpt-4o'].state").value("available"))
				.andExpect(content().string(containsString("\"cooldownUntil\":null")))
				.andExpect(jsonPath("$.providers.openai.models['gpt-4o'].breaker.state").value("closed"))
				.andExpect(jsonPath("$.budgets['daily-spend'].maxCost").value(50.0))
				.andExpect(content().string(containsString("\"maxTokens\":null")))
				.andExpect(jsonPath("$.tools.search_products.window").value("PT1M"));
		}

		@Test
		void readsOneTenantsBudgetButCannotResetIt() throws Throwable {
			ObserveFixtures.call(this.engine, "initech", new Usage(1000, 500));

			this.mvc.perform(get("/actuator/llmguard/tenant-daily/initech"))
				.andExpect(status().isOk())
				.andExpect(jsonPath("$.key").value("initech"))
				.andExpect(jsonPath("$.spentTokens").value(1500))
				.andExpect(jsonPath("$.spentCost").value(0.0075));
			// read-only unless management.endpoint.llmguard.access grants more: the reset is not mapped
			this.mvc.perform(delete("/actuator/llmguard/tenant-daily/initech"))
				.andExpect(status().isMethodNotAllowed());
			this.mvc.perform(get("/actuator/llmguard/tenant-daily/initech"))
				.andExpect(jsonPath("$.spentTokens").value(1500));
		}

		@Test
		void anUnknownBudgetIsNotFound() throws Exception {
			this.mvc.perform(get("/actuator/llmguard/nightly/acme")).andExpect(status().isNotFound());
		}

		@Test
		void listsEvents() throws Exception {
			this.mvc.perform(get("/actuator/llmguardevents"))
				.andExpect(status().isOk())
				.andExpect(jsonPath("$.events").isArray());
		}

	}

	@Nested
	@SpringBootTest(classes = WebApp.class,
			properties = { "management.endpoints.web.exposure.include=llmguard",
					"management.endpoint.llmguard.access=unrestricted", "spring.ai.openai.api-key=unused" })
	@AutoConfigureMockMvc
	class WhenWriteAccessIsGranted {

		@Autowired
		MockMvc mvc;

		@Autowired
		LlmGuardEngine engine;

		@Test
		void resetsOneTenantsBudget() throws Throwable {
			ObserveFixtures.call(this.engine, "initech", new Usage(1000, 500));

			this.mvc.perform(delete("/actuator/llmguard/tenant-daily/initech"))
				.andExpect(status().isOk())
				.andExpect(jsonPath("$.spentTokens").value(0));
			this.mvc.perform(get("/actuator/llmguard/tenant-daily/initech"))
				.andExpect(jsonPath("$.spentTokens").value(0));
		}

		@Test
		void resettingAnUnknownBudgetIsABadRequest() throws Exception {
			this.mvc.perform(delete("/actuator/llmguard/nightly/acme")).andExpect(status().isBadRequest());
		}

	}

	@Nested
	// Spring AI's OpenAI starter is on the test class path; its models need a key to start
	@SpringBootTest(classes = WebApp.class, properties = "spring.ai.openai.api-key=unused")
	@AutoConfigureMockMvc
	class ByDefault {

		@Autowired
		MockMvc mvc;

		@Test
		void neitherEndpointIsExposed() throws Exception {
			this.mvc.perform(get("/actuator/llmguard")).andExpect(status().isNotFound());
			this.mvc.perform(get("/actuator/llmguardevents")).andExpect(status().isNotFound());
		}

	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	@ImportAutoConfiguration(LlmGuardEndpointAutoConfiguration.class)
	static class WebApp {

		@Bean(destroyMethod = "close")
		LlmGuardEngine llmGuardEngine() {
			return ObserveFixtures.engine(ObserveFixtures.clock());
		}

	}

}

package dev.llmguard.actuate;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.context.annotation.Bean;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;

import dev.llmguard.core.LlmGuardEngine;
import dev.llmguard.core.ToolLimitExceededException;
import dev.llmguard.core.change.RuntimeLimits;
import dev.llmguard.core.event.DecisionCounts;
import dev.llmguard.core.event.GuardEvent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.nullValue;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.delete;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * The {@code llmguardlimits} endpoint over HTTP: writes are refused without a principal unless access
 * was opened explicitly; a change is one event with old and new values and the principal; bad values
 * are a 400 that changes nothing; the {@code llmguard} endpoint shows the new limits.
 */
class LlmGuardLimitsEndpointHttpTests {

	private static final String RAISE = body("providers.openai.requests-per-minute", "300");

	static String body(String setting, String value) {
		return "{\"setting\": \"" + setting + "\", \"value\": " + value + "}";
	}

	abstract static class EndpointTest {

		@Autowired
		MockMvc mvc;

		@Autowired
		LlmGuardEngine engine;

		@Autowired
		RuntimeLimits limits;

		final List<GuardEvent> events = new CopyOnWriteArrayList<>();

		@BeforeEach
		void record() {
			this.engine.addListener(this.events::add);
		}

		@AfterEach
		void resetLimits() {
			this.limits.reset(null, null);
		}

		List<GuardEvent.LimitsChanged> changes() {
			return this.events.stream()
				.filter(GuardEvent.LimitsChanged.class::isInstance)
				.map(GuardEvent.LimitsChanged.class::cast)
				.toList();
		}

		static MockHttpServletRequestBuilder change(String body) {
			return post("/actuator/llmguardlimits").contentType(MediaType.APPLICATION_JSON).content(body);
		}

	}

	@Nested
	@SpringBootTest(classes = WebApp.class,
			properties = { "management.endpoints.web.exposure.include=llmguard,llmguardlimits",
					"spring.ai.openai.api-key=unused" })
	@AutoConfigureMockMvc
	class WhenNotOpened extends EndpointTest {

		@Test
		void readsEverySettingThatCanChange() throws Exception {
			this.mvc.perform(get("/actuator/llmguardlimits"))
				.andExpect(status().isOk())
				.andExpect(jsonPath("$.settings['providers.openai.requests-per-minute'].configured").value("500"))
				.andExpect(jsonPath("$.settings['providers.openai.requests-per-minute'].overridden").value(false))
				.andExpect(jsonPath("$.settings['budgets.daily-spend.max-cost'].current").value("50"))
				.andExpect(jsonPath("$.settings['tools.search_products.limit'].current").value("100"));
		}

		@Test
		void refusesWritesWithoutAPrincipal() throws Exception {
			this.mvc.perform(change(RAISE))
				.andExpect(status().isForbidden())
				.andExpect(content().string(containsString("management.endpoint.llmguardlimits.access=unrestricted")));
			this.mvc.perform(delete("/actuator/llmguardlimits")).andExpect(status().isForbidden());
			this.mvc.perform(delete("/actuator/llmguardlimits/providers.openai")).andExpect(status().isForbidden());

			this.mvc.perform(get("/actuator/llmguard"))
				.andExpect(jsonPath("$.providers.openai.limits['requests-per-minute'].capacity").value(400));
			assertThat(changes()).isEmpty();
		}

		@Test
		void anAuthenticatedPrincipalChangesLimitsAndIsNamedInTheEvent() throws Exception {
			this.mvc.perform(change(RAISE).principal(() -> "alice"))
				.andExpect(status().isOk())
				.andExpect(jsonPath("$.changes[0].setting").value("providers.openai.requests-per-minute"))
				.andExpect(jsonPath("$.changes[0].oldValue").value("500"))
				.andExpect(jsonPath("$.changes[0].newValue").value("300"));

			this.mvc.perform(get("/actuator/llmguard"))
				.andExpect(status().isOk())
				.andExpect(jsonPath("$.providers.openai.limits['requests-per-minute'].capacity").value(240));
			assertThat(changes()).singleElement().satisfies((event) -> {
				assertThat(event.principal()).isEqualTo("alice");
				assertThat(event.changes()).containsExactly(new GuardEvent.LimitChange(
						"providers.openai.requests-per-minute", "500", "300", "500"));
			});

			this.mvc.perform(delete("/actuator/llmguardlimits/providers.openai").principal(() -> "bob"))
				.andExpect(status().isOk())
				.andExpect(jsonPath("$.changes[0].newValue").value("500"));
			this.mvc.perform(get("/actuator/llmguard"))
				.andExpect(jsonPath("$.providers.openai.limits['requests-per-minute'].capacity").value(400));
			assertThat(changes().get(1).principal()).isEqualTo("bob");
		}

	}

	@Nested
	@SpringBootTest(classes = WebApp.class,
			properties = { "management.endpoints.web.exposure.include=llmguard,llmguardlimits",
					"management.endpoint.llmguardlimits.access=unrestricted", "spring.ai.openai.api-key=unused" })
	@AutoConfigureMockMvc
	class WhenOpened extends EndpointTest {

		@Test
		void changesLimitsOfEveryKindAndResetsThem() throws Exception {
			this.mvc.perform(change(body("providers.openai.models.gpt-4o-mini.requests-per-minute", "50")))
				.andExpect(status().isOk())
				.andExpect(jsonPath("$.changes.length()").value(1));
			this.mvc.perform(change(body("providers.openai.max-concurrent", "4"))).andExpect(status().isOk());
			this.mvc.perform(change(body("budgets.daily-spend.max-cost", "\"20.00\""))).andExpect(status().isOk());
			this.mvc.perform(change(body("budgets.daily-spend.warn-at", "0.5"))).andExpect(status().isOk());
			this.mvc.perform(change(body("tools.search_products.limit", "10"))).andExpect(status().isOk());

			this.mvc.perform(get("/actuator/llmguard"))
				.andExpect(jsonPath("$.providers.openai.concurrency.max").value(4))
				.andExpect(jsonPath("$.providers.openai.models['gpt-4o-mini'].limits['requests-per-minute'].capacity")
					.value(40))
				.andExpect(jsonPath("$.budgets['daily-spend'].maxCost").value(20.0))
				.andExpect(jsonPath("$.tools.search_products.limit").value(10));
			assertThat(changes()).hasSize(5).allSatisfy((event) -> assertThat(event.principal()).isNull());

			this.mvc.perform(delete("/actuator/llmguardlimits")).andExpect(status().isOk());
			this.mvc.perform(get("/actuator/llmguard"))
				.andExpect(jsonPath("$.providers.openai.concurrency.max").value(16))
				.andExpect(jsonPath("$.budgets['daily-spend'].maxCost").value(50.0))
				.andExpect(jsonPath("$.tools.search_products.limit").value(100));
		}

		@Test
		void aModeChangeShadowsTheNextCallAndADeleteEnforcesAgain() throws Exception {
			this.mvc.perform(change(body("tools.search_products.limit", "1"))).andExpect(status().isOk());
			assertThat(this.engine.<String>toolFallback("search_products", (text) -> text)).isNull();
			assertThatExceptionOfType(ToolLimitExceededException.class)
				.isThrownBy(() -> this.engine.toolFallback("search_products", (text) -> text));

			this.mvc.perform(change(body("tools.search_products.mode", "\"shadow\"")).principal(() -> "alice"))
				.andExpect(status().isOk())
				.andExpect(jsonPath("$.changes[0].setting").value("tools.search_products.mode"))
				.andExpect(jsonPath("$.changes[0].oldValue").value(nullValue()))
				.andExpect(jsonPath("$.changes[0].newValue").value("shadow"));

			// no restart: the next call runs past the limit, counted as a shadowed decision
			assertThat(this.engine.<String>toolFallback("search_products", (text) -> text)).isNull();
			assertThat(this.engine.decisions().of(DecisionCounts.Scope.TOOL, "search_products", true))
				.containsEntry("tool_limited", 1L);
			this.mvc.perform(get("/actuator/llmguard"))
				.andExpect(jsonPath("$.mode").value("enforce"))
				.andExpect(jsonPath("$.tools.search_products.mode").value("shadow"));
			this.mvc.perform(get("/actuator/llmguardlimits"))
				.andExpect(jsonPath("$.settings['tools.search_products.mode'].configured").value(nullValue()))
				.andExpect(jsonPath("$.settings['tools.search_products.mode'].current").value("shadow"))
				.andExpect(jsonPath("$.settings['tools.search_products.mode'].overridden").value(true));
			assertThat(changes().get(1).principal()).isEqualTo("alice");
			assertThat(changes().get(1).changes())
				.containsExactly(new GuardEvent.LimitChange("tools.search_products.mode", null, "shadow", null));

			this.mvc.perform(delete("/actuator/llmguardlimits/tools.search_products.mode").principal(() -> "bob"))
				.andExpect(status().isOk())
				.andExpect(jsonPath("$.changes[0].oldValue").value("shadow"))
				.andExpect(jsonPath("$.changes[0].newValue").value(nullValue()));

			assertThatExceptionOfType(ToolLimitExceededException.class)
				.isThrownBy(() -> this.engine.toolFallback("search_products", (text) -> text));
			this.mvc.perform(get("/actuator/llmguard")).andExpect(jsonPath("$.tools.search_products.mode").value("enforce"));
			assertThat(changes().get(2).principal()).isEqualTo("bob");
		}

		@Test
		void theGuardsModeChangesAndIsReset() throws Exception {
			this.mvc.perform(change(body("mode", "\"shadow\""))).andExpect(status().isOk());
			this.mvc.perform(get("/actuator/llmguard"))
				.andExpect(jsonPath("$.mode").value("shadow"))
				.andExpect(jsonPath("$.providers.openai.mode").value("shadow"))
				.andExpect(jsonPath("$.budgets['daily-spend'].mode").value("shadow"));

			this.mvc.perform(delete("/actuator/llmguardlimits/mode")).andExpect(status().isOk());
			this.mvc.perform(get("/actuator/llmguard"))
				.andExpect(jsonPath("$.mode").value("enforce"))
				.andExpect(jsonPath("$.providers.openai.mode").value("enforce"));
		}

		@Test
		void aBadModeIsABadRequestNamingTheSetting() throws Exception {
			this.mvc.perform(change(body("providers.openai.mode", "\"observe\"")))
				.andExpect(status().isBadRequest())
				.andExpect(content().string(
						containsString("'providers.openai.mode' must be enforce or shadow, was 'observe'")));
			this.mvc.perform(change(body("budgets.nightly.mode", "\"shadow\"")))
				.andExpect(status().isBadRequest())
				.andExpect(content().string(containsString("unknown budget 'nightly'")));

			this.mvc.perform(get("/actuator/llmguard")).andExpect(jsonPath("$.providers.openai.mode").value("enforce"));
			assertThat(changes()).isEmpty();
		}

		@Test
		void aBadValueIsABadRequestThatChangesNothing() throws Exception {
			this.mvc.perform(change(body("providers.openai.tokens-per-minute", "-5")))
				.andExpect(status().isBadRequest())
				.andExpect(content().string(
						containsString("'providers.openai.tokens-per-minute' must be positive, was -5")));
			this.mvc.perform(change(body("budgets.daily-spend.warn-at", "1.2")))
				.andExpect(status().isBadRequest())
				.andExpect(content().string(containsString("must be in (0, 1]")));
			this.mvc.perform(change(body("budgets.nightly.max-cost", "5")))
				.andExpect(status().isBadRequest())
				.andExpect(content().string(containsString("unknown budget 'nightly'")));
			this.mvc.perform(change(body("tools.fetch.limit", "5")))
				.andExpect(status().isBadRequest())
				.andExpect(content().string(containsString("unknown tool 'fetch'")));
			this.mvc.perform(change(body("providers.mistral.requests-per-minute", "5")))
				.andExpect(status().isBadRequest())
				.andExpect(content().string(containsString("unknown provider 'mistral'")));
			this.mvc.perform(delete("/actuator/llmguardlimits/providers.mistral")).andExpect(status().isBadRequest());

			this.mvc.perform(get("/actuator/llmguard"))
				.andExpect(jsonPath("$.providers.openai.limits['requests-per-minute'].capacity").value(400));
			assertThat(changes()).isEmpty();
		}

	}

	@Nested
	@SpringBootTest(classes = WebApp.class,
			properties = { "management.endpoints.web.exposure.include=llmguardlimits",
					"management.endpoint.llmguardlimits.access=read-only", "spring.ai.openai.api-key=unused" })
	@AutoConfigureMockMvc
	class WhenReadOnly extends EndpointTest {

		@Test
		void writesAreNotMappedEvenForAPrincipal() throws Exception {
			this.mvc.perform(get("/actuator/llmguardlimits")).andExpect(status().isOk());
			this.mvc.perform(change(RAISE).principal(() -> "alice")).andExpect(status().isMethodNotAllowed());
			assertThat(changes()).isEmpty();
		}

	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class WebApp {

		@Bean(destroyMethod = "close")
		LlmGuardEngine llmGuardEngine() {
			return ObserveFixtures.engine(ObserveFixtures.clock());
		}

	}

}

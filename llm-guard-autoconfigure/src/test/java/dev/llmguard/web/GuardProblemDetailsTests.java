package dev.llmguard.web;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.http.codec.autoconfigure.CodecsAutoConfiguration;
import org.springframework.boot.http.converter.autoconfigure.HttpMessageConvertersAutoConfiguration;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.webflux.autoconfigure.WebFluxAutoConfiguration;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.bind.annotation.RestControllerAdvice;

import dev.llmguard.autoconfigure.LlmGuardWebAutoConfiguration;
import dev.llmguard.core.BudgetExceededException;
import dev.llmguard.core.ContextWindowExceededException;
import dev.llmguard.core.FallbackExhaustedException;
import dev.llmguard.core.FallbackExhaustedException.ModelFailure;
import dev.llmguard.core.RateLimitExceededException;
import dev.llmguard.core.ToolLimitExceededException;
import dev.llmguard.core.time.GuardClock;
import dev.llmguard.core.time.ManualGuardClock;
import dev.llmguard.redis.GuardBackendUnavailableException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.nullValue;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * Guard exceptions thrown by a controller reach the client as problem+json with their code and, where
 * the client should come back later, {@code Retry-After}, in Spring MVC and in WebFlux, with no
 * exception handler in the application.
 */
class GuardProblemDetailsTests {

	static final Instant NOW = Instant.parse("2026-11-23T10:00:00Z");

	private final WebApplicationContextRunner mvc = new WebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(JacksonAutoConfiguration.class,
				HttpMessageConvertersAutoConfiguration.class, WebMvcAutoConfiguration.class,
				LlmGuardWebAutoConfiguration.class))
		.withUserConfiguration(GuardedApp.class);

	private final ReactiveWebApplicationContextRunner webFlux = new ReactiveWebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(JacksonAutoConfiguration.class, CodecsAutoConfiguration.class,
				WebFluxAutoConfiguration.class, LlmGuardWebAutoConfiguration.class))
		.withUserConfiguration(GuardedApp.class);

	@Test
	void mvcAnswersARateLimitWith429AndRetryAfterInWholeSecondsRoundedUp() {
		this.mvc.run((context) -> {
			MockMvc client = MockMvcBuilders.webAppContextSetup(context).build();

			client.perform(get("/rate-limited"))
				.andExpect(status().isTooManyRequests())
				.andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON))
				.andExpect(header().string("Retry-After", "3"))
				.andExpect(jsonPath("$.code").value("rate_limited"))
				.andExpect(jsonPath("$.status").value(429))
				.andExpect(jsonPath("$.provider").value("openai"))
				.andExpect(jsonPath("$.model").value("gpt-4o"))
				.andExpect(jsonPath("$.retryAfterSeconds").value(3))
				.andExpect(jsonPath("$.instance").value("/rate-limited"));
		});
	}

	@Test
	void mvcAnswersEveryGuardRefusalWithItsCode() {
		this.mvc.run((context) -> {
			MockMvc client = MockMvcBuilders.webAppContextSetup(context).build();

			client.perform(get("/tool-limited"))
				.andExpect(status().isTooManyRequests())
				.andExpect(header().string("Retry-After", "1"))
				.andExpect(jsonPath("$.code").value("rate_limited"))
				.andExpect(jsonPath("$.tool").value("process_refund"));
			client.perform(get("/budget"))
				.andExpect(status().isTooManyRequests())
				.andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON))
				// the guard's clock says 10:00; the budget resets at 10:01:30.5
				.andExpect(header().string("Retry-After", "91"))
				.andExpect(jsonPath("$.code").value("budget_exceeded"))
				.andExpect(jsonPath("$.budget").value("tenant-daily"))
				.andExpect(jsonPath("$.unit").value("USD"))
				.andExpect(jsonPath("$.limit").value(5.0))
				.andExpect(jsonPath("$.resetsAt").value("2026-11-23T10:01:30.500Z"));
			client.perform(get("/session-budget"))
				.andExpect(status().isTooManyRequests())
				.andExpect(header().string("Retry-After", "86400"))
				.andExpect(jsonPath("$.resetsAt").value(nullValue()));
			client.perform(get("/exhausted"))
				.andExpect(status().isServiceUnavailable())
				.andExpect(header().doesNotExist("Retry-After"))
				.andExpect(jsonPath("$.code").value("fallback_exhausted"))
				.andExpect(jsonPath("$.chain").value("default"))
				.andExpect(jsonPath("$.models[0].model").value("openai/gpt-4o"))
				.andExpect(jsonPath("$.models[0].reason").value("rate_limited"));
			client.perform(get("/backend"))
				.andExpect(status().isServiceUnavailable())
				.andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON))
				.andExpect(jsonPath("$.code").value("backend_unavailable"));
			client.perform(get("/context-window"))
				.andExpect(status().isBadRequest())
				.andExpect(jsonPath("$.code").value("context_window_exceeded"))
				.andExpect(jsonPath("$.contextWindow").value(128000));
		});
	}

	@Test
	void mvcLeavesGuardExceptionsToTheApplicationsOwnHandler() {
		this.mvc.withUserConfiguration(OwnHandler.class).run((context) -> {
			MockMvc client = MockMvcBuilders.webAppContextSetup(context).build();

			client.perform(get("/rate-limited"))
				.andExpect(status().isIAmATeapot())
				.andExpect(content().string("mine"));
			// the application handles only rate limits: the rest is still ours
			client.perform(get("/exhausted")).andExpect(status().isServiceUnavailable());
		});
	}

	@Test
	void mvcAnswersGuardRefusalsBeforeACatchAllOrAHandlerForTheProvidersExceptions() {
		this.mvc.withUserConfiguration(CatchAllHandler.class).run((context) -> {
			MockMvc client = MockMvcBuilders.webAppContextSetup(context).build();

			// the chain's last error is the provider's: Spring would match the handler for it by the cause
			client.perform(get("/exhausted-by-provider"))
				.andExpect(status().isServiceUnavailable())
				.andExpect(jsonPath("$.code").value("fallback_exhausted"));
			client.perform(get("/rate-limited"))
				.andExpect(status().isTooManyRequests())
				.andExpect(header().string("Retry-After", "3"));
			// the application's handlers still answer its own errors
			client.perform(get("/provider-error")).andExpect(status().isBadGateway());
			client.perform(get("/bug")).andExpect(status().isInternalServerError());
		});
	}

	@Test
	void webFluxAnswersGuardRefusalsBeforeACatchAllOrAHandlerForTheProvidersExceptions() {
		this.webFlux.withUserConfiguration(CatchAllHandler.class).run((context) -> {
			WebTestClient client = WebTestClient.bindToApplicationContext(context).build();

			client.get()
				.uri("/exhausted-by-provider")
				.exchange()
				.expectStatus()
				.isEqualTo(HttpStatus.SERVICE_UNAVAILABLE)
				.expectBody()
				.jsonPath("$.code")
				.isEqualTo("fallback_exhausted");
			client.get().uri("/provider-error").exchange().expectStatus().isEqualTo(HttpStatus.BAD_GATEWAY);
			client.get().uri("/bug").exchange().expectStatus().isEqualTo(HttpStatus.INTERNAL_SERVER_ERROR);
		});
	}

	@Test
	void webFluxAnswersGuardRefusalsWithTheirCodeAndRetryAfter() {
		this.webFlux.run((context) -> {
			WebTestClient client = WebTestClient.bindToApplicationContext(context).build();

			client.get()
				.uri("/rate-limited")
				.exchange()
				.expectStatus()
				.isEqualTo(HttpStatus.TOO_MANY_REQUESTS)
				.expectHeader()
				.contentType(MediaType.APPLICATION_PROBLEM_JSON)
				.expectHeader()
				.valueEquals("Retry-After", "3")
				.expectBody()
				.jsonPath("$.code")
				.isEqualTo("rate_limited")
				.jsonPath("$.retryAfterSeconds")
				.isEqualTo(3)
				.jsonPath("$.instance")
				.isEqualTo("/rate-limited");
			client.get()
				.uri("/budget")
				.exchange()
				.expectStatus()
				.isEqualTo(HttpStatus.TOO_MANY_REQUESTS)
				.expectHeader()
				.valueEquals("Retry-After", "91")
				.expectBody()
				.jsonPath("$.code")
				.isEqualTo("budget_exceeded");
			client.get()
				.uri("/exhausted")
				.exchange()
				.expectStatus()
				.isEqualTo(HttpStatus.SERVICE_UNAVAILABLE)
				.expectBody()
				.jsonPath("$.code")
				.isEqualTo("fallback_exhausted");
			client.get()
				.uri("/backend")
				.exchange()
				.expectStatus()
				.isEqualTo(HttpStatus.SERVICE_UNAVAILABLE)
				.expectBody()
				.jsonPath("$.code")
				.isEqualTo("backend_unavailable");
		});
	}

	@Test
	void webFluxAnswersAGuardRefusalSignalledByAMono() {
		this.webFlux.run((context) -> WebTestClient.bindToApplicationContext(context)
			.build()
			.get()
			.uri("/reactive-rate-limited")
			.exchange()
			.expectStatus()
			.isEqualTo(HttpStatus.TOO_MANY_REQUESTS)
			.expectHeader()
			.valueEquals("Retry-After", "3")
			.expectBody()
			.jsonPath("$.code")
			.isEqualTo("rate_limited"));
	}

	@Test
	void webFluxLeavesGuardExceptionsToTheApplicationsOwnHandler() {
		this.webFlux.withUserConfiguration(OwnHandler.class)
			.run((context) -> WebTestClient.bindToApplicationContext(context)
				.build()
				.get()
				.uri("/rate-limited")
				.exchange()
				.expectStatus()
				.isEqualTo(HttpStatus.I_AM_A_TEAPOT)
				.expectBody(String.class)
				.isEqualTo("mine"));
	}

	@Test
	void isOffWhenProblemDetailsAreDisabled() {
		this.mvc.withPropertyValues("llm.guard.web.problem-details.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(LlmGuardExceptionHandler.class));
		this.webFlux.withPropertyValues("llm.guard.web.problem-details.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(LlmGuardExceptionHandler.class));
	}

	@Test
	void isOffOutsideAWebApplication() {
		new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(LlmGuardWebAutoConfiguration.class))
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(LlmGuardExceptionHandler.class));
	}

	@Test
	void anApplicationsOwnGuardExceptionHandlerBeanReplacesOurs() {
		LlmGuardExceptionHandler own = new LlmGuardExceptionHandler(new ManualGuardClock(NOW));
		this.mvc.withBean("ownGuardHandler", LlmGuardExceptionHandler.class, () -> own)
			.run((context) -> assertThat(context).getBean(LlmGuardExceptionHandler.class).isSameAs(own));
	}

	@Test
	void retryAfterIsWholeSecondsRoundedUpAndAtLeastOne() {
		assertThat(LlmGuardExceptionHandler.seconds(Duration.ofMillis(2001))).isEqualTo(3);
		assertThat(LlmGuardExceptionHandler.seconds(Duration.ofSeconds(2))).isEqualTo(2);
		assertThat(LlmGuardExceptionHandler.seconds(Duration.ZERO)).isEqualTo(1);
		assertThat(LlmGuardExceptionHandler.seconds(Duration.ofMillis(-5))).isEqualTo(1);
	}

	@Configuration(proxyBeanMethods = false)
	static class GuardedApp {

		@Bean
		GuardClock guardClock() {
			return new ManualGuardClock(NOW);
		}

		@Bean
		GuardedController guardedController() {
			return new GuardedController();
		}

	}

	@RestController
	static class GuardedController {

		@GetMapping("/rate-limited")
		String rateLimited() {
			throw rateLimit();
		}

		@GetMapping("/reactive-rate-limited")
		Mono<String> reactiveRateLimited() {
			return Mono.error(rateLimit());
		}

		@GetMapping("/tool-limited")
		String toolLimited() {
			throw new ToolLimitExceededException("process_refund", 5, Duration.ofMinutes(1), Duration.ofMillis(200));
		}

		@GetMapping("/budget")
		String budget() {
			throw new BudgetExceededException("tenant-daily", "acme", new BigDecimal("4.9990"), new BigDecimal("5.00"),
					"USD", NOW.plusMillis(90_500), "Budget 'tenant-daily' for tenant 'acme' would reach $5.0003 of $5.00");
		}

		@GetMapping("/session-budget")
		String sessionBudget() {
			throw new BudgetExceededException("session-tokens", "s-1", BigDecimal.valueOf(19_000),
					BigDecimal.valueOf(20_000), "tokens", null, "Budget 'session-tokens' would reach 21000 tokens");
		}

		@GetMapping("/exhausted")
		String exhausted() {
			throw new FallbackExhaustedException("default",
					List.of(new ModelFailure("openai/gpt-4o", "rate_limited", null),
							new ModelFailure("openai/gpt-4o-mini", "cooling_down", null)),
					null);
		}

		@GetMapping("/exhausted-by-provider")
		String exhaustedByProvider() {
			throw new FallbackExhaustedException("default",
					List.of(new ModelFailure("openai/gpt-4o", "rate_limited", null)), new ProviderException());
		}

		@GetMapping("/provider-error")
		String providerError() {
			throw new ProviderException();
		}

		@GetMapping("/bug")
		String bug() {
			throw new IllegalStateException("a bug");
		}

		@GetMapping("/backend")
		String backend() {
			throw new GuardBackendUnavailableException("budget reserve",
					"Redis cannot be reached and llm.guard.redis.on-failure is fail-closed", null);
		}

		@GetMapping("/context-window")
		String contextWindow() {
			throw new ContextWindowExceededException("openai/gpt-4o", 130_000, 128_000);
		}

		private static RateLimitExceededException rateLimit() {
			return new RateLimitExceededException("openai", "gpt-4o", Duration.ofMillis(2_001),
					"No capacity for openai/gpt-4o within 1s");
		}

	}

	/** Stands for a provider SDK's exception, such as the OpenAI SDK's OpenAIServiceException. */
	static class ProviderException extends RuntimeException {

		ProviderException() {
			super("429 from the provider");
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class CatchAllHandler {

		@Bean
		ApplicationErrors applicationErrors() {
			return new ApplicationErrors();
		}

	}

	/** An application's usual advice: its provider's errors as 502, anything else as 500. */
	@RestControllerAdvice
	static class ApplicationErrors {

		@ExceptionHandler(ProviderException.class)
		ResponseEntity<String> providerError(ProviderException ex) {
			return ResponseEntity.status(HttpStatus.BAD_GATEWAY).body("provider");
		}

		@ExceptionHandler(Exception.class)
		ResponseEntity<String> unexpected(Exception ex) {
			return ResponseEntity.status(HttpStatus.INTERNAL_SERVER_ERROR).body("oops");
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class OwnHandler {

		@Bean
		OwnRateLimitHandler ownRateLimitHandler() {
			return new OwnRateLimitHandler();
		}

	}

	@RestControllerAdvice
	static class OwnRateLimitHandler {

		@ExceptionHandler(RateLimitExceededException.class)
		ResponseEntity<String> rateLimited(RateLimitExceededException ex) {
			return ResponseEntity.status(HttpStatus.I_AM_A_TEAPOT).body("mine");
		}

	}

}

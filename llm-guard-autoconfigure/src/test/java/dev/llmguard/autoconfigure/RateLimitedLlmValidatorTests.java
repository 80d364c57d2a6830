package dev.llmguard.autoconfigure;

import dev.llmguard.annotation.RateLimitedLlm;
import org.junit.jupiter.api.Test;

import org.springframework.aop.framework.ProxyFactory;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static dev.llmguard.autoconfigure.StartupFailure.assertReports;
import static org.assertj.core.api.Assertions.assertThat;

/** An {@code @RateLimitedLlm} naming something that is not configured stops start-up. */
class RateLimitedLlmValidatorTests {

	private static final String ON = "@RateLimitedLlm on " + RateLimitedLlmValidatorTests.class.getName() + "$";

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(LlmGuardAutoConfiguration.class))
		.withPropertyValues("llm.guard.providers.openai.models.gpt-4o.context-window=128000",
				"llm.guard.providers.openai.models.gpt-4o-mini.context-window=128000",
				"llm.guard.chains.default.models=openai/gpt-4o,openai/gpt-4o-mini",
				"llm.guard.chains.cheap.models=openai/gpt-4o-mini", "llm.guard.tools.search_products.limit=100");

	@Test
	void startsWhenEveryAnnotationNamesConfiguredThings() {
		this.runner.withBean(ValidService.class).run((context) -> assertThat(context).hasNotFailed());
	}

	@Test
	void rejectsAnUnknownChainAndListsTheConfiguredOnes() {
		this.runner.withBean(UnknownChainService.class)
			.run((context) -> assertReports(context, ON + "UnknownChainService#answer", "chain = \"nope\"",
					"chain 'nope' is not configured",
					"Configure it under llm.guard.chains.nope or use a configured chain. Configured chains: cheap, default."));
	}

	@Test
	void rejectsAnUnknownChainOnTheType() {
		this.runner.withBean(UnknownChainOnType.class)
			.run((context) -> assertReports(context, ON + "UnknownChainOnType", "chain = \"nope\"",
					"chain 'nope' is not configured", "Configured chains: cheap, default."));
	}

	@Test
	void rejectsAnUnknownModelAndListsTheConfiguredOnes() {
		this.runner.withBean(UnknownModelService.class)
			.run((context) -> assertReports(context, ON + "UnknownModelService#answer", "model = \"openai/gpt-5-typo\"",
					"model 'gpt-5-typo' is not configured for provider 'openai'",
					"Configured: openai/gpt-4o, openai/gpt-4o-mini."));
	}

	@Test
	void rejectsAModelOfAnUnknownProvider() {
		this.runner.withBean(UnknownProviderService.class)
			.run((context) -> assertReports(context, ON + "UnknownProviderService#answer",
					"model = \"anthropic/claude-sonnet-4\"", "provider 'anthropic' is not configured",
					"Configure the provider under llm.guard.providers.anthropic or use a configured one."));
	}

	@Test
	void rejectsAModelWithoutProvider() {
		this.runner.withBean(MalformedModelService.class)
			.run((context) -> assertReports(context, ON + "MalformedModelService#answer", "model = \"gpt-4o\"",
					"'gpt-4o' is not a provider/model reference", "Write the model as provider/model"));
	}

	@Test
	void rejectsAnUnknownToolAndListsTheConfiguredOnes() {
		this.runner.withBean(UnknownToolService.class)
			.run((context) -> assertReports(context, ON + "UnknownToolService#search", "tool = \"weather\"",
					"tool 'weather' is not configured",
					"Configure its limit under llm.guard.tools.weather or use a configured tool. Configured tools: search_products."));
	}

	@Test
	void rejectsAnAnnotationNamingBothChainAndModel() {
		this.runner.withBean(ChainAndModelService.class)
			.run((context) -> assertReports(context, ON + "ChainAndModelService#answer",
					"chain = \"default\", model = \"openai/gpt-4o\"", "it names both a chain and a model",
					"Use either chain or model, not both."));
	}

	@Test
	void rejectsAPriorityOutsideOneToTen() {
		this.runner.withBean(BadPriorityService.class)
			.run((context) -> assertReports(context, ON + "BadPriorityService#answer", "priority = 0",
					"priority must be between 1 (most urgent) and 10 (least urgent)", "Set priority to a value from 1 to 10"));
	}

	@Test
	void rejectsAMaxTotalTimeThatIsNotADuration() {
		this.runner.withBean(BadMaxTotalTimeService.class)
			.run((context) -> assertReports(context, ON + "BadMaxTotalTimeService#answer", "maxTotalTime = \"later\"",
					"maxTotalTime is not a duration of 0 or more", "leave it empty for llm.guard.retry.max-total-time"));
	}

	@Test
	void rejectsAMaxWaitThatIsNotADuration() {
		this.runner.withBean(BadMaxWaitService.class)
			.run((context) -> assertReports(context, ON + "BadMaxWaitService#answer", "maxWait = \"soon\"",
					"maxWait is not a duration of 0 or more", "such as 5s, 500ms or PT5S"));
	}

	@Test
	void rejectsATenantExpressionThatIsNotSpel() {
		this.runner.withBean(BadSpelService.class)
			.run((context) -> assertReports(context, ON + "BadSpelService#answer", "tenant = \"#request.(\"",
					"tenant is not a valid SpEL expression", "for example #request.customerId"));
	}

	@Test
	void rejectsACacheKeyExpressionThatIsNotSpel() {
		this.runner.withBean(BadCacheKeyService.class)
			.run((context) -> assertReports(context, ON + "BadCacheKeyService#answer", "cacheKey = \"#question.(\"",
					"cacheKey is not a valid SpEL expression", "Write cacheKey as SpEL over the method's parameters"));
	}

	@Test
	void findsAnnotationsDeclaredOnAnInterfaceMethod() {
		this.runner.withBean(InterfaceAnnotatedService.class)
			.run((context) -> assertReports(context, ON + "InterfaceAnnotatedService#answer", "chain = \"nope\"",
					"chain 'nope' is not configured", "Configured chains"));
	}

	@Test
	void looksThroughInterfaceBasedProxies() {
		this.runner.withUserConfiguration(JdkProxyConfiguration.class)
			.run((context) -> assertReports(context, ON + "InterfaceAnnotatedService#answer", "chain = \"nope\"",
					"chain 'nope' is not configured", "Configured chains"));
	}

	@Test
	void leavesAnAnnotationWithoutChainOrModelToBeResolvedPerCall() {
		this.runner.withPropertyValues("llm.guard.providers.anthropic.models.claude-sonnet-4.context-window=200000")
			.withBean(NoChainNoModelService.class)
			.run((context) -> assertThat(context).hasNotFailed());
	}

	@Test
	void checksNothingWhenLlmGuardIsDisabled() {
		this.runner.withPropertyValues("llm.guard.enabled=false")
			.withBean(UnknownChainService.class)
			.run((context) -> assertThat(context).hasNotFailed());
	}

	static class ValidService {

		@RateLimitedLlm(chain = "default", tenant = "#request.customerId", session = "#sessionId", priority = 1,
				maxWait = "5s", estimatedTokens = "#prompt.length() / 4")
		String answer(String prompt) {
			return prompt;
		}

		@RateLimitedLlm(model = "openai/gpt-4o-mini", tool = "search_products", priority = 10, maxWait = "PT0.5S")
		String search(String query) {
			return query;
		}

	}

	@RateLimitedLlm
	static class NoChainNoModelService {

		String answer(String prompt) {
			return prompt;
		}

	}

	static class UnknownChainService {

		@RateLimitedLlm(chain = "nope")
		String answer(String prompt) {
			return prompt;
		}

	}

	@RateLimitedLlm(chain = "nope")
	static class UnknownChainOnType {

		String answer(String prompt) {
			return prompt;
		}

	}

	static class UnknownModelService {

		@RateLimitedLlm(model = "openai/gpt-5-typo")
		String answer(String prompt) {
			return prompt;
		}

	}

	static class UnknownProviderService {

		@RateLimitedLlm(model = "anthropic/claude-sonnet-4")
		String answer(String prompt) {
			return prompt;
		}

	}

	static class MalformedModelService {

		@RateLimitedLlm(model = "gpt-4o")
		String answer(String prompt) {
			return prompt;
		}

	}

	static class UnknownToolService {

		@RateLimitedLlm(chain = "default", tool = "weather")
		String search(String query) {
			return query;
		}

	}

	static class ChainAndModelService {

		@RateLimitedLlm(chain = "default", model = "openai/gpt-4o")
		String answer(String prompt) {
			return prompt;
		}

	}

	static class BadPriorityService {

		@RateLimitedLlm(chain = "default", priority = 0)
		String answer(String prompt) {
			return prompt;
		}

	}

	static class BadMaxTotalTimeService {

		@RateLimitedLlm(chain = "default", maxTotalTime = "later")
		String answer(String prompt) {
			return prompt;
		}

	}

	static class BadMaxWaitService {

		@RateLimitedLlm(chain = "default", maxWait = "soon")
		String answer(String prompt) {
			return prompt;
		}

	}

	static class BadSpelService {

		@RateLimitedLlm(chain = "default", tenant = "#request.(")
		String answer(Object request) {
			return "";
		}

	}

	static class BadCacheKeyService {

		@RateLimitedLlm(chain = "default", cacheKey = "#question.(")
		String answer(Object question) {
			return "";
		}

	}

	interface Assistant {

		@RateLimitedLlm(chain = "nope")
		String answer(String prompt);

	}

	static class InterfaceAnnotatedService implements Assistant {

		@Override
		public String answer(String prompt) {
			return prompt;
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class JdkProxyConfiguration {

		@Bean
		Assistant assistant() {
			ProxyFactory proxyFactory = new ProxyFactory(new InterfaceAnnotatedService());
			proxyFactory.addInterface(Assistant.class);
			return (Assistant) proxyFactory.getProxy();
		}

	}

}

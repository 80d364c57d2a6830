package dev.llmguard.autoconfigure;

import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.core.io.ClassPathResource;

import static dev.llmguard.autoconfigure.StartupFailure.assertReports;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;

/**
 * A key under {@code llm.guard} that binds to nothing stops start-up, naming the key and the closest
 * valid one, at any depth; every spelling Spring Boot's relaxed binding accepts starts.
 */
class UnknownPropertyTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(LlmGuardAutoConfiguration.class));

	@Test
	void rejectsAMisspelledTopLevelKey() {
		this.runner.withPropertyValues("llm.guard.headrom=0.5")
			.run((context) -> assertReports(context, "llm.guard.headrom", "0.5",
					"'headrom' is not a property of llm.guard, so the key binds to nothing",
					"Check the spelling: did you mean llm.guard.headroom?"));
	}

	@Test
	void rejectsBudgetsWrittenInTheSingularRatherThanTurningEveryBudgetOff() {
		String yaml = """
				llm:
				  guard:
				    budget:
				      daily:
				        max-cost: 5
				""";
		this.runner.withInitializer(YamlProperties.of(yaml))
			.run((context) -> assertReports(context, "llm.guard.budget.daily.max-cost", "5",
					"'budget' is not a property of llm.guard",
					"did you mean llm.guard.budgets.daily.max-cost?"));
	}

	@Test
	void rejectsAMisspelledKeyOfANestedGroup() {
		this.runner.withPropertyValues("llm.guard.retry.max-attempt=3")
			.run((context) -> assertReports(context, "llm.guard.retry.max-attempt", "3",
					"'max-attempt' is not a property of llm.guard.retry",
					"did you mean llm.guard.retry.max-attempts? The properties of llm.guard.retry are: "
							+ "initial-backoff, max-attempts, max-backoff, max-retry-after, max-total-time, multiplier."));
	}

	@Test
	void rejectsAMisspelledKeyTwoGroupsDown() {
		this.runner.withPropertyValues("llm.guard.priority.reserve.norml=0.2")
			.run((context) -> assertReports(context, "llm.guard.priority.reserve.norml", "0.2",
					"'norml' is not a property of llm.guard.priority.reserve",
					"did you mean llm.guard.priority.reserve.normal?"));
	}

	@Test
	void namesTheClosestPropertyOfAMapEntry() {
		this.runner.withPropertyValues("llm.guard.budgets.daily.max-cst=5")
			.run((context) -> assertReports(context, "llm.guard.budgets.daily.max-cst", "5",
					"'max-cst' is not a property of a budget",
					"did you mean llm.guard.budgets.daily.max-cost?"));
	}

	@Test
	void rejectsAKeyBelowASingleValue() {
		this.runner.withPropertyValues("llm.guard.headroom.value=0.5")
			.run((context) -> assertReports(context, "llm.guard.headroom.value", "0.5",
					"'llm.guard.headroom' takes a single value", "Set llm.guard.headroom itself"));
	}

	@Test
	void acceptsEveryRelaxedSpellingSpringBootBinds() {
		this.runner
			.withPropertyValues("llm.guard.retry.maxAttempts=3", "llm.guard.retry.initial_backoff=2s",
					"llm.guard.defaultInputPrice=1", "llm.guard.providers.openai.requestsPerMinute=10",
					"llm.guard.providers.openai.models.[gpt-4.1].input_price=2",
					"llm.guard.providers.openai.models.[gpt-4.1].output-price=8",
					"llm.guard.providers.openai.models.gpt-4o.contextWindow=128000",
					"llm.guard.chains.default.models[0]=openai/gpt-4o",
					"llm.guard.chains.default.models[1]=openai/gpt-4.1", "llm.guard.chains.cheap.models=openai/gpt-4o",
					"llm.guard.budgets.daily.maxCost=5", "llm.guard.tools.search.limit=3",
					"llm.guard.priority.reserve.normal=0.2", "llm.guard.spring-ai.enabled=true")
			.withInitializer((context) -> context.getEnvironment()
				.getPropertySources()
				.addFirst(new SystemEnvironmentPropertySource(
						StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
						Map.of("LLM_GUARD_HEADROOM", "0.5", "LLM_GUARD_RETRY_MAXBACKOFF", "90s"))))
			.run((context) -> {
				assertThat(context).hasNotFailed();
				LlmGuardProperties properties = context.getBean(LlmGuardProperties.class);
				assertThat(properties.getHeadroom()).isEqualTo(0.5);
				assertThat(properties.getRetry().getMaxAttempts()).isEqualTo(3);
				assertThat(properties.getRetry().getInitialBackoff()).isEqualTo(Duration.ofSeconds(2));
				assertThat(properties.getRetry().getMaxBackoff()).isEqualTo(Duration.ofSeconds(90));
				assertThat(properties.getChains().get("default").getModels()).hasSize(2);
			});
	}

	@Test
	void acceptsAnEmptyMapEntry() {
		this.runner.withInitializer(YamlProperties.of("llm:\n  guard:\n    tools:\n    budgets: {}\n"))
			.run((context) -> assertThat(context).hasNotFailed());
	}

	@Test
	void knowsEveryKeyOfTheGeneratedMetadata() throws Exception {
		JsonNode metadata;
		try (InputStream in = new ClassPathResource("META-INF/spring-configuration-metadata.json").getInputStream()) {
			metadata = JsonMapper.builder().build().readTree(in);
		}
		List<String> keys = new ArrayList<>();
		metadata.get("properties").forEach((property) -> keys.add(property.get("name").asString()));
		assertThat(keys).contains("llm.guard.headroom", "llm.guard.retry.max-attempts",
				"llm.guard.priority.reserve.low");

		StandardEnvironment environment = new StandardEnvironment();
		Map<String, Object> properties = new java.util.LinkedHashMap<>();
		keys.forEach((key) -> properties.put(key, "1"));
		environment.getPropertySources().addFirst(new MapPropertySource("metadata", properties));

		assertThatNoException().isThrownBy(() -> UnknownPropertyCheck.check(environment));
	}

}

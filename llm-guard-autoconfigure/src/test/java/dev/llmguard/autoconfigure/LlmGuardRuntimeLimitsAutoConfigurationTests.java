package dev.llmguard.autoconfigure;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.cloud.context.environment.EnvironmentChangeEvent;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;

import dev.llmguard.core.LlmGuardEngine;
import dev.llmguard.core.change.RuntimeLimits;
import dev.llmguard.core.event.GuardEvent;
import dev.llmguard.core.model.ModelRef;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runtime limits in the application context: on by default in memory, and a refresh of the Environment
 * (Spring Cloud's real {@link EnvironmentChangeEvent}) applies changed {@code llm.guard.*} limits,
 * keeping what the buckets used.
 */
class LlmGuardRuntimeLimitsAutoConfigurationTests {

	private static final ModelRef GPT_4O = new ModelRef("openai", "gpt-4o");

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(
				AutoConfigurations.of(LlmGuardAutoConfiguration.class, LlmGuardRuntimeLimitsAutoConfiguration.class))
		.withPropertyValues("llm.guard.providers.openai.requests-per-minute=100",
				"llm.guard.providers.openai.max-concurrent=4", "llm.guard.budgets.daily.max-cost=10",
				"llm.guard.tools.search.limit=5");

	@Test
	void runtimeLimitsAndTheRefreshListenerAreThereByDefault() {
		this.runner.run((context) -> {
			assertThat(context).hasSingleBean(RuntimeLimits.class);
			assertThat(context).hasSingleBean(LimitsEnvironmentListener.class);
			assertThat(context.getBean(LimitOverridesPoller.class).isRunning()).isFalse(); // nothing shared to poll
		});
	}

	@Test
	void withoutSpringCloudThereIsNoRefreshListener() {
		this.runner.withClassLoader(new FilteredClassLoader("org.springframework.cloud"))
			.run((context) -> {
				assertThat(context).hasSingleBean(RuntimeLimits.class);
				assertThat(context).doesNotHaveBean(LimitsEnvironmentListener.class);
			});
	}

	@Test
	void aRefreshedEnvironmentAppliesChangedLimitsKeepingWhatWasUsed() {
		this.runner.run((context) -> {
			LlmGuardEngine engine = context.getBean(LlmGuardEngine.class);
			List<GuardEvent> events = new CopyOnWriteArrayList<>();
			engine.addListener(events::add);
			for (int i = 0; i < 10; i++) {
				engine.limiters().acquireRequest(GPT_4O, 5, Duration.ZERO);
			}

			refresh(context, Map.of("llm.guard.providers.openai.requests-per-minute", "300",
					"llm.guard.budgets.daily.max-cost", "20", "llm.guard.tools.search.limit", "7"));

			// headroom 0.8: 300 -> 240, of which the 10 requests taken stay used
			assertThat(engine.limiters().snapshot("openai").limits().get("requests-per-minute").capacity())
				.isEqualTo(240);
			assertThat(engine.limiters().snapshot("openai").limits().get("requests-per-minute").available())
				.isBetween(230L, 240L);
			assertThat(engine.budgets().budget("daily").orElseThrow().maxCost()).isEqualByComparingTo("20");
			assertThat(engine.tools().snapshot().get("search").limit()).isEqualTo(7);
			GuardEvent.LimitsChanged changed = (GuardEvent.LimitsChanged) events.stream()
				.filter(GuardEvent.LimitsChanged.class::isInstance)
				.findFirst()
				.orElseThrow();
			assertThat(changed.source()).isEqualTo("environment");
			assertThat(changed.principal()).isNull();
			assertThat(changed.changes()).contains(
					new GuardEvent.LimitChange("providers.openai.requests-per-minute", "100", "300", "300"));
		});
	}

	@Test
	void aRefreshWithAnInvalidLimitChangesNothing() {
		this.runner.run((context) -> {
			LlmGuardEngine engine = context.getBean(LlmGuardEngine.class);

			refresh(context, Map.of("llm.guard.providers.openai.requests-per-minute", "-3"));

			assertThat(engine.limiters().snapshot("openai").limits().get("requests-per-minute").capacity())
				.isEqualTo(80);
		});
	}

	@Test
	void aRefreshThatTouchesNoLimitChangesNothing() {
		this.runner.run((context) -> {
			RuntimeLimits limits = context.getBean(RuntimeLimits.class);
			Map<String, RuntimeLimits.Value> before = limits.settings();

			refresh(context, Map.of("spring.application.name", "other"));

			assertThat(limits.settings()).isEqualTo(before);
		});
	}

	/** What Spring Cloud's refresh does: new values in the Environment, then the event naming the keys. */
	private static void refresh(ConfigurableApplicationContext context, Map<String, Object> values) {
		context.getEnvironment().getPropertySources().addFirst(new MapPropertySource("refreshed", values));
		context.publishEvent(new EnvironmentChangeEvent(context, Set.copyOf(values.keySet())));
	}

}

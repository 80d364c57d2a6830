package dev.llmguard.autoconfigure;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;

import dev.llmguard.core.CallRequest;
import dev.llmguard.core.CallRouting;
import dev.llmguard.core.config.BudgetPeriod;
import dev.llmguard.core.config.BudgetScope;
import dev.llmguard.core.config.BudgetSpec;
import dev.llmguard.core.config.ChainSpec;
import dev.llmguard.core.config.GuardSettings;
import dev.llmguard.core.config.ModelPrice;
import dev.llmguard.core.config.ModelSpec;
import dev.llmguard.core.config.OnExceeded;
import dev.llmguard.core.config.PriorityReserve;
import dev.llmguard.core.config.ProviderSpec;
import dev.llmguard.core.config.RateLimits;
import dev.llmguard.core.config.RetrySettings;
import dev.llmguard.core.config.ToolSpec;
import dev.llmguard.core.model.ModelRef;
import dev.llmguard.redis.RedisFailureMode;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.annotation.ImportCandidates;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.support.SpringFactoriesLoader.FailureHandler;
import org.springframework.core.io.support.SpringFactoriesLoader;

import static org.assertj.core.api.Assertions.assertThat;

class LlmGuardAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(LlmGuardAutoConfiguration.class));

	@Test
	void bindsTheFullDocumentedConfigurationIntoGuardSettings() {
		String yaml = """
				llm:
				  guard:
				    enabled: true
				    backend: memory
				    headroom: 0.9
				    zone: Europe/Berlin
				    aspect-order: 42
				    default-input-price: 4.00
				    default-output-price: 12.00
				    spring-ai:
				      enabled: false
				    redis:
				      key-prefix: my-app
				      on-failure: fail-closed
				    estimation:
				      default-max-output-tokens: 2048
				    retry:
				      max-attempts: 3
				      initial-backoff: 500ms
				      multiplier: 1.5
				      max-backoff: 30s
				      max-retry-after: 90s
				      max-total-time: 45s
				    priority:
				      reserve:
				        normal: 0.2
				        low: 0.4
				    events:
				      buffer-size: 50
				    providers:
				      openai:
				        base-url: https://api.openai.com
				        requests-per-minute: 500
				        tokens-per-minute: 200000
				        input-tokens-per-minute: 150000
				        output-tokens-per-minute: 50000
				        requests-per-day: 10000
				        tokens-per-day: 5000000
				        max-concurrent: 16
				        max-wait: 20s
				        guard-other-requests: true
				        models:
				          gpt-4o:
				            input-price: 2.50
				            cached-input-price: 1.25
				            output-price: 10.00
				            context-window: 128000
				            max-output-tokens: 16384
				            requests-per-minute: 100
				            tokens-per-minute: 30000
				            input-tokens-per-minute: 20000
				            output-tokens-per-minute: 10000
				            requests-per-day: 1000
				            tokens-per-day: 900000
				          gpt-4o-mini:
				            context-window: 128000
				          "[gpt-4.1]":
				            input-price: 2
				            output-price: 8
				      anthropic:
				        requests-per-minute: 50
				    chains:
				      default:
				        models: [openai/gpt-4o, openai/gpt-4o-mini, anthropic/claude-sonnet-4]
				        cooldown: 45s
				        fallback-response: Sorry, try again later.
				      cheap:
				        models:
				          - openai/gpt-4.1
				    budgets:
				      daily-spend:
				        scope: global
				        period: day
				        max-cost: 50.00
				        warn-at: 0.75
				        on-exceeded: reject
				      tenant-tokens:
				        scope: tenant
				        period: month
				        max-tokens: 1000000
				        on-exceeded: downgrade
				    tools:
				      search_products:
				        limit: 100
				        window: 60s
				        fallback-response: '{"products": [], "source": "fallback"}'
				""";
		this.runner.withInitializer(YamlProperties.of(yaml)).run((context) -> {
			assertThat(context).hasNotFailed();
			LlmGuardProperties properties = context.getBean(LlmGuardProperties.class);
			assertThat(properties.getBackend()).isEqualTo(LlmGuardProperties.Backend.MEMORY);
			assertThat(properties.getAspectOrder()).isEqualTo(42);
			assertThat(properties.getSpringAi().isEnabled()).isFalse();
			assertThat(properties.getRedis().getKeyPrefix()).isEqualTo("my-app");
			assertThat(properties.getRedis().getOnFailure())
				.isEqualTo(RedisFailureMode.FAIL_CLOSED);
			assertThat(properties.getEvents().getBufferSize()).isEqualTo(50);
			assertThat(properties.getProviders().get("openai").isGuardOtherRequests()).isTrue();
			assertThat(properties.getProviders().get("anthropic").isGuardOtherRequests()).isFalse();

			GuardSettings settings = context.getBean(GuardSettings.class);
			assertThat(settings.headroom()).isEqualTo(0.9);
			assertThat(settings.zone()).isEqualTo(ZoneId.of("Europe/Berlin"));
			assertThat(settings.defaultInputPrice()).isEqualByComparingTo("4.00");
			assertThat(settings.defaultOutputPrice()).isEqualByComparingTo("12.00");
			assertThat(settings.defaultMaxOutputTokens()).isEqualTo(2048);
			assertThat(settings.defaultMaxWait()).isEqualTo(Duration.ofSeconds(30));
			assertThat(settings.retry()).isEqualTo(new RetrySettings(3, Duration.ofMillis(500), 1.5,
					Duration.ofSeconds(30), Duration.ofSeconds(90), Duration.ofSeconds(45)));
			assertThat(settings.priorityReserve()).isEqualTo(new PriorityReserve(0.2, 0.4));

			assertThat(settings.providers()).containsOnlyKeys("openai", "anthropic");
			ProviderSpec openai = settings.providers().get("openai");
			assertThat(openai.name()).isEqualTo("openai");
			assertThat(openai.baseUrl()).isEqualTo("https://api.openai.com");
			assertThat(openai.limits()).isEqualTo(new RateLimits(500L, 200000L, 150000L, 50000L, 10000L, 5000000L));
			assertThat(openai.maxConcurrent()).isEqualTo(16);
			assertThat(openai.maxWait()).isEqualTo(Duration.ofSeconds(20));
			assertThat(openai.models()).containsOnlyKeys("gpt-4o", "gpt-4o-mini", "gpt-4.1");
			ModelSpec gpt4o = openai.models().get("gpt-4o");
			assertThat(gpt4o.ref()).isEqualTo(new ModelRef("openai", "gpt-4o"));
			assertThat(gpt4o.price().input()).isEqualByComparingTo("2.50");
			assertThat(gpt4o.price().cachedInput()).isEqualByComparingTo("1.25");
			assertThat(gpt4o.price().output()).isEqualByComparingTo("10.00");
			assertThat(gpt4o.contextWindow()).isEqualTo(128000);
			assertThat(gpt4o.maxOutputTokens()).isEqualTo(16384);
			assertThat(gpt4o.limits()).isEqualTo(new RateLimits(100L, 30000L, 20000L, 10000L, 1000L, 900000L));
			assertThat(openai.models().get("gpt-4o-mini")).isEqualTo(new ModelSpec(
					new ModelRef("openai", "gpt-4o-mini"), null, 128000, null, RateLimits.NONE));
			ModelPrice gpt41 = openai.models().get("gpt-4.1").price();
			assertThat(gpt41.input()).isEqualByComparingTo("2");
			assertThat(gpt41.cachedInput()).isEqualByComparingTo("2");
			assertThat(gpt41.output()).isEqualByComparingTo("8");

			ProviderSpec anthropic = settings.providers().get("anthropic");
			assertThat(anthropic.baseUrl()).isNull();
			assertThat(anthropic.limits()).isEqualTo(new RateLimits(50L, null, null, null, null, null));
			assertThat(anthropic.maxConcurrent()).isNull();
			// no max-wait of its own: its calls wait the default, resolved where every call's defaults are
			assertThat(anthropic.maxWait()).isNull();
			assertThat(new CallRouting(settings).maxWait(CallRequest.builder().build(),
					new ModelRef("anthropic", "claude-sonnet-4-5")))
				.isEqualTo(Duration.ofSeconds(30));
			assertThat(anthropic.models()).isEmpty();

			assertThat(settings.chains()).containsOnlyKeys("default", "cheap");
			assertThat(settings.chains().get("default")).isEqualTo(new ChainSpec("default",
					List.of(ModelRef.parse("openai/gpt-4o"), ModelRef.parse("openai/gpt-4o-mini"),
							ModelRef.parse("anthropic/claude-sonnet-4")),
					Duration.ofSeconds(45), "Sorry, try again later."));
			assertThat(settings.chains().get("cheap")).isEqualTo(new ChainSpec("cheap",
					List.of(new ModelRef("openai", "gpt-4.1")), Duration.ofSeconds(60), null));

			assertThat(settings.budgets()).containsOnlyKeys("daily-spend", "tenant-tokens");
			BudgetSpec daily = settings.budgets().get("daily-spend");
			assertThat(daily.scope()).isEqualTo(BudgetScope.GLOBAL);
			assertThat(daily.period()).isEqualTo(BudgetPeriod.DAY);
			assertThat(daily.maxCost()).isEqualByComparingTo("50.00");
			assertThat(daily.maxTokens()).isNull();
			assertThat(daily.warnAt()).isEqualTo(0.75);
			assertThat(daily.onExceeded()).isEqualTo(OnExceeded.REJECT);
			assertThat(settings.budgets().get("tenant-tokens")).isEqualTo(new BudgetSpec("tenant-tokens",
					BudgetScope.TENANT, BudgetPeriod.MONTH, null, 1000000L, 0.8, OnExceeded.DOWNGRADE));

			assertThat(settings.tools()).containsOnlyKeys("search_products");
			assertThat(settings.tools().get("search_products")).isEqualTo(new ToolSpec("search_products", 100,
					Duration.ofSeconds(60), "{\"products\": [], \"source\": \"fallback\"}"));
		});
	}

	@Test
	void appliesTheDocumentedDefaultsWhenNothingIsConfigured() {
		this.runner.run((context) -> {
			assertThat(context).hasNotFailed();
			LlmGuardProperties properties = context.getBean(LlmGuardProperties.class);
			assertThat(properties.isEnabled()).isTrue();
			assertThat(properties.getBackend()).isEqualTo(LlmGuardProperties.Backend.MEMORY);
			assertThat(properties.getAspectOrder()).isEqualTo(Integer.MAX_VALUE);
			assertThat(properties.getSpringAi().isEnabled()).isTrue();
			assertThat(properties.getRedis().getKeyPrefix()).isEqualTo("llm-guard");
			assertThat(properties.getRedis().getOnFailure()).isEqualTo(RedisFailureMode.FAIL_OPEN);
			assertThat(properties.getEvents().getBufferSize()).isEqualTo(200);
			GuardSettings settings = context.getBean(GuardSettings.class);
			assertThat(settings.headroom()).isEqualTo(0.8);
			assertThat(settings.zone()).isEqualTo(ZoneId.of("UTC"));
			assertThat(settings.defaultInputPrice()).isEqualByComparingTo("5.00");
			assertThat(settings.defaultOutputPrice()).isEqualByComparingTo("15.00");
			assertThat(settings.defaultMaxOutputTokens()).isEqualTo(1024);
			assertThat(settings.defaultMaxWait()).isEqualTo(Duration.ofSeconds(30));
			assertThat(settings.retry()).isEqualTo(RetrySettings.DEFAULT);
			assertThat(settings.priorityReserve()).isEqualTo(PriorityReserve.DEFAULT);
			assertThat(settings.providers()).isEmpty();
			assertThat(settings.chains()).isEmpty();
			assertThat(settings.budgets()).isEmpty();
			assertThat(settings.tools()).isEmpty();
		});
	}

	@Test
	void budgetDefaultsToAGlobalNeverResettingRejectingBudget() {
		this.runner.withPropertyValues("llm.guard.budgets.total.max-cost=10").run((context) -> {
			BudgetSpec budget = context.getBean(GuardSettings.class).budgets().get("total");
			assertThat(budget).isEqualTo(new BudgetSpec("total", BudgetScope.GLOBAL, BudgetPeriod.NONE,
					new BigDecimal("10"), null, 0.8, OnExceeded.REJECT));
		});
	}

	@Test
	void bindsEnumValuesInKebabCase() {
		this.runner
			.withPropertyValues("llm.guard.backend=memory", "llm.guard.redis.on-failure=fail-closed",
					"llm.guard.budgets.b.max-tokens=5", "llm.guard.budgets.b.scope=session",
					"llm.guard.budgets.b.period=week", "llm.guard.budgets.b.on-exceeded=downgrade")
			.run((context) -> {
				assertThat(context.getBean(LlmGuardProperties.class).getRedis().getOnFailure())
					.isEqualTo(RedisFailureMode.FAIL_CLOSED);
				BudgetSpec budget = context.getBean(GuardSettings.class).budgets().get("b");
				assertThat(budget.scope()).isEqualTo(BudgetScope.SESSION);
				assertThat(budget.period()).isEqualTo(BudgetPeriod.WEEK);
				assertThat(budget.onExceeded()).isEqualTo(OnExceeded.DOWNGRADE);
			});
	}

	@Test
	void bindsModelNamesWithDotsWrittenInBracketsInPropertiesForm() {
		this.runner
			.withPropertyValues("llm.guard.providers.openai.models.[gpt-4.1].input-price=2",
					"llm.guard.providers.openai.models.[gpt-4.1].output-price=8",
					"llm.guard.chains.default.models[0]=openai/gpt-4.1")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				ModelSpec model = context.getBean(GuardSettings.class).model(ModelRef.parse("openai/gpt-4.1")).get();
				assertThat(model.price().input()).isEqualByComparingTo("2");
				assertThat(model.price().output()).isEqualByComparingTo("8");
			});
	}

	@Test
	void keepsUnderscoresInToolNames() {
		this.runner.withPropertyValues("llm.guard.tools.search_products.limit=100").run((context) -> {
			assertThat(context.getBean(GuardSettings.class).tools()).containsOnlyKeys("search_products");
		});
	}

	@Test
	void acceptsCamelCaseSpellingsOfPropertiesInsideNamedEntries() {
		this.runner.withPropertyValues("llm.guard.providers.openai.requestsPerMinute=60").run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context.getBean(GuardSettings.class).providers().get("openai").limits().requestsPerMinute())
				.isEqualTo(60L);
		});
	}

	@Test
	void createsNoLlmGuardBeansWhenDisabled() {
		this.runner.withPropertyValues("llm.guard.enabled=false", "llm.guard.headroom=5").run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).doesNotHaveBean(LlmGuardProperties.class);
			assertThat(context).doesNotHaveBean(GuardSettings.class);
			assertThat(context).doesNotHaveBean(RateLimitedLlmValidator.class);
		});
	}

	@Test
	void backsOffWhenTheApplicationDefinesItsOwnGuardSettings() {
		this.runner.withUserConfiguration(CustomSettingsConfiguration.class).run((context) -> {
			assertThat(context).hasSingleBean(GuardSettings.class);
			assertThat(context.getBean(GuardSettings.class).headroom()).isEqualTo(0.5);
			assertThat(context).hasSingleBean(RateLimitedLlmValidator.class);
		});
	}

	@Test
	void isRegisteredAsAnAutoConfigurationWithItsFailureAnalyzer() {
		ClassLoader classLoader = getClass().getClassLoader();
		assertThat(ImportCandidates.load(AutoConfiguration.class, classLoader))
			.contains(LlmGuardAutoConfiguration.class.getName());
		// Some of Boot's own analyzers need constructor arguments; they are not what this test is about.
		assertThat(SpringFactoriesLoader.forDefaultResourceLocation(classLoader)
			.load(FailureAnalyzer.class, null, FailureHandler.handleMessage((message, failure) -> {
			}))).hasAtLeastOneElementOfType(LlmGuardConfigurationFailureAnalyzer.class);
	}

	@Configuration(proxyBeanMethods = false)
	static class CustomSettingsConfiguration {

		@Bean
		GuardSettings customSettings() {
			return GuardSettings.builder().headroom(0.5).build();
		}

	}

}

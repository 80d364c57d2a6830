package dev.llmguard.autoconfigure;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.commons.logging.Log;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.logging.DeferredLogFactory;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.util.ClassUtils;

/**
 * Turns off the retries of the provider SDKs llm-guard guards, unless the application set them: the
 * guard owns retries of a guarded call (it knows the limits, the deadline and the next model), and the
 * SDK's own retries would hit the provider behind its back. It defaults {@code spring.ai.openai.max-retries}
 * and {@code spring.ai.anthropic.max-retries} (Spring AI 2.0's names) to 0 where their Spring AI model is
 * present, and says so in one INFO line. Nothing changes when {@code llm.guard.enabled=false}.
 */
final class SdkRetriesEnvironmentPostProcessor implements EnvironmentPostProcessor, Ordered {

	static final String PROPERTY_SOURCE_NAME = "llmGuardSdkRetries";

	/** A provider's Spring AI model class and the properties that set its SDK's retries. */
	private record SdkRetries(String modelClass, String property, List<String> userSettings) {

	}

	private static final List<SdkRetries> SDKS = List.of(
			// spring.ai.openai.chat.max-retries, when not 3, wins over spring.ai.openai.max-retries for the chat model
			new SdkRetries("org.springframework.ai.openai.OpenAiChatModel", "spring.ai.openai.max-retries",
					List.of("spring.ai.openai.max-retries", "spring.ai.openai.chat.max-retries",
							"spring.ai.openai.chat.options.max-retries")),
			new SdkRetries("org.springframework.ai.anthropic.AnthropicChatModel", "spring.ai.anthropic.max-retries",
					List.of("spring.ai.anthropic.max-retries")));

	private final Log logger;

	SdkRetriesEnvironmentPostProcessor(DeferredLogFactory logFactory) {
		this.logger = logFactory.getLog(SdkRetriesEnvironmentPostProcessor.class);
	}

	/** After the application's own configuration is loaded, so what it sets is seen. */
	@Override
	public int getOrder() {
		return Ordered.LOWEST_PRECEDENCE;
	}

	@Override
	public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
		Binder binder = Binder.get(environment);
		if (!binder.bind("llm.guard.enabled", Boolean.class).orElse(true)) {
			return;
		}
		ClassLoader classLoader = (application.getClassLoader() != null) ? application.getClassLoader()
				: getClass().getClassLoader();
		Map<String, Object> defaults = new LinkedHashMap<>();
		for (SdkRetries sdk : SDKS) {
			if (ClassUtils.isPresent(sdk.modelClass(), classLoader)
					&& sdk.userSettings().stream().noneMatch((name) -> binder.bind(name, String.class).isBound())) {
				defaults.put(sdk.property(), "0");
			}
		}
		if (defaults.isEmpty() || environment.getPropertySources().contains(PROPERTY_SOURCE_NAME)) {
			return;
		}
		environment.getPropertySources().addLast(new MapPropertySource(PROPERTY_SOURCE_NAME, defaults));
		List<String> settings = new ArrayList<>();
		defaults.forEach((name, value) -> settings.add(name + "=" + value));
		this.logger.info("llm-guard retries guarded calls itself, so it set " + String.join(", ", settings)
				+ "; set the propert" + ((settings.size() == 1) ? "y" : "ies") + " yourself to keep the SDK's own retries");
	}

}

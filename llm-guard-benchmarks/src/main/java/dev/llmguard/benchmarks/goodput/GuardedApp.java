package dev.llmguard.benchmarks.goodput;

import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import dev.llmguard.core.LlmGuard;
import dev.llmguard.core.LlmGuardEngine;

/**
 * One guarded application: a Spring Boot context with nothing but auto-configuration and
 * {@code llm.guard.*} properties, as a user's application has. Two of them with
 * {@code llm.guard.backend=redis} on the same Redis are two instances sharing their limits.
 */
public final class GuardedApp implements AutoCloseable {

	private final ConfigurableApplicationContext context;

	private GuardedApp(ConfigurableApplicationContext context) {
		this.context = context;
	}

	/**
	 * Starts an application.
	 * @param name its name, for logs
	 * @param properties {@code llm.guard.*} and {@code spring.data.redis.*} settings
	 */
	public static GuardedApp start(String name, Map<String, Object> properties) {
		Map<String, Object> all = new LinkedHashMap<>();
		all.put("spring.application.name", name);
		all.put("spring.main.banner-mode", "off");
		all.put("spring.main.log-startup-info", "false");
		all.putAll(properties);
		ConfigurableApplicationContext context = new SpringApplicationBuilder(Application.class)
			.web(WebApplicationType.NONE)
			.properties(all)
			.registerShutdownHook(false)
			.run();
		return new GuardedApp(context);
	}

	public LlmGuard guard() {
		return this.context.getBean(LlmGuard.class);
	}

	public LlmGuardEngine engine() {
		return this.context.getBean(LlmGuardEngine.class);
	}

	public ConfigurableApplicationContext context() {
		return this.context;
	}

	@Override
	public void close() {
		this.context.close();
	}

	/** The application: auto-configuration only. */
	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class Application {

	}

}

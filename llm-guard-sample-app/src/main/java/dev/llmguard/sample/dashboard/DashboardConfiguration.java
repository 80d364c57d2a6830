package dev.llmguard.sample.dashboard;

import dev.llmguard.core.LlmGuardEngine;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.config.annotation.ViewControllerRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * Serves the live dashboard at {@code /dashboard}: a static page that polls {@code /actuator/llmguard},
 * {@code /actuator/llmguardevents} and the sample's own {@code /dashboard/history}, and draws its charts
 * as SVG (nothing is fetched from elsewhere: it works offline).
 */
@Configuration(proxyBeanMethods = false)
class DashboardConfiguration implements WebMvcConfigurer {

	@Override
	public void addViewControllers(ViewControllerRegistry registry) {
		registry.addViewController("/dashboard").setViewName("forward:/dashboard.html");
	}

	@Bean
	DashboardHistory dashboardHistory(LlmGuardEngine engine) {
		DashboardHistory history = new DashboardHistory(engine);
		// added to the running engine: a GuardListener bean would be needed to build the engine it reads
		engine.addListener(history::onEvent);
		return history;
	}

}

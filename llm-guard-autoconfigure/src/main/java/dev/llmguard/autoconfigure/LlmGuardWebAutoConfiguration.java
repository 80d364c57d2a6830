package dev.llmguard.autoconfigure;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.http.ProblemDetail;

import dev.llmguard.core.time.GuardClock;
import dev.llmguard.web.LlmGuardExceptionHandler;

/**
 * Answers guard exceptions in Spring MVC and WebFlux applications as problem details
 * ({@link LlmGuardExceptionHandler}), behind the application's own exception handlers. Switched off
 * by {@code llm.guard.web.problem-details.enabled=false}.
 */
@AutoConfiguration(after = LlmGuardAutoConfiguration.class)
@ConditionalOnWebApplication
@ConditionalOnClass(ProblemDetail.class)
@ConditionalOnBooleanProperty(name = "llm.guard.web.problem-details.enabled", matchIfMissing = true)
public final class LlmGuardWebAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	LlmGuardExceptionHandler llmGuardExceptionHandler(ObjectProvider<GuardClock> clock) {
		return new LlmGuardExceptionHandler(clock.getIfAvailable(GuardClock::system));
	}

}

package dev.llmguard.annotation;

import java.util.ArrayList;
import java.util.List;

import org.aspectj.lang.ProceedingJoinPoint;
import org.aspectj.lang.annotation.Around;
import org.aspectj.lang.annotation.Aspect;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.EnableAspectJAutoProxy;
import org.springframework.core.Ordered;

import dev.llmguard.core.LlmGuardContext;
import dev.llmguard.core.LlmGuardEngine;

import static org.assertj.core.api.Assertions.assertThat;

/** The aspect's order decides whether other advice runs inside or outside the guarded call. */
class AspectOrderTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withUserConfiguration(GuardConfiguration.class);

	@Test
	void adviceOrderedAfterTheGuardRunsInsideTheGuardedCall() {
		this.runner.withPropertyValues("guard.order=10", "probe.order=20").run(context -> {
			context.getBean(Service.class).answer("Hi");
			assertThat(context.getBean(Probe.class).sawActiveCall).containsExactly(true);
		});
	}

	@Test
	void adviceOrderedBeforeTheGuardRunsOutsideTheGuardedCall() {
		this.runner.withPropertyValues("guard.order=20", "probe.order=10").run(context -> {
			context.getBean(Service.class).answer("Hi");
			assertThat(context.getBean(Probe.class).sawActiveCall).containsExactly(false);
		});
	}

	@Configuration(proxyBeanMethods = false)
	@EnableAspectJAutoProxy(proxyTargetClass = true)
	static class GuardConfiguration {

		@Bean(destroyMethod = "close")
		LlmGuardEngine llmGuardEngine() {
			return GuardFixtures.engine(new GuardFixtures.RecordingLedger());
		}

		@Bean
		RateLimitedLlmAspect rateLimitedLlmAspect(LlmGuardEngine engine,
				@org.springframework.beans.factory.annotation.Value("${guard.order}") int order) {
			return new RateLimitedLlmAspect(engine, order);
		}

		@Bean
		Probe probe(@org.springframework.beans.factory.annotation.Value("${probe.order}") int order) {
			return new Probe(order);
		}

		@Bean
		Service service() {
			return new Service();
		}

	}

	@Aspect
	static class Probe implements Ordered {

		private final int order;

		final List<Boolean> sawActiveCall = new ArrayList<>();

		Probe(int order) {
			this.order = order;
		}

		@Around("@annotation(dev.llmguard.annotation.RateLimitedLlm)")
		Object probe(ProceedingJoinPoint joinPoint) throws Throwable {
			this.sawActiveCall.add(LlmGuardContext.isActive());
			return joinPoint.proceed();
		}

		@Override
		public int getOrder() {
			return this.order;
		}

	}

	static class Service {

		@RateLimitedLlm(chain = "default")
		public String answer(String prompt) {
			return "ok";
		}

	}

}

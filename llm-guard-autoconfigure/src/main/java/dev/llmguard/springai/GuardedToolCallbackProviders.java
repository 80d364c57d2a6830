package dev.llmguard.springai;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.List;

import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.springframework.ai.tool.ToolCallback;
import org.springframework.ai.tool.ToolCallbackProvider;
import org.springframework.aop.framework.Advised;
import org.springframework.aop.framework.ProxyFactory;
import org.springframework.util.ReflectionUtils;

import dev.llmguard.core.LlmGuardEngine;

/**
 * Puts the tools of a {@link ToolCallbackProvider} bean behind their {@code llm.guard.tools.*} limits:
 * the bean becomes a proxy whose {@code getToolCallbacks()} answers {@link GuardedToolCallback}s for
 * the limited tools. The provider is asked for its tools only when the application asks (some, like
 * Spring AI's MCP client providers, connect to servers then). Where it can, the proxy subclasses the
 * provider's class, so that the bean keeps its type: injection by concrete type and Spring AI's own
 * checks of the type (it leaves MCP providers out of the start-up tool resolver) see no difference.
 */
final class GuardedToolCallbackProviders {

	private static final Method GET_TOOL_CALLBACKS = ReflectionUtils.findMethod(ToolCallbackProvider.class,
			"getToolCallbacks");

	private GuardedToolCallbackProviders() {
	}

	/**
	 * Guards a provider's tools.
	 * @param provider the provider bean
	 * @param engine the guard
	 * @return a proxy of the provider
	 */
	static ToolCallbackProvider guard(ToolCallbackProvider provider, LlmGuardEngine engine) {
		ProxyFactory factory = new ProxyFactory(provider);
		factory.setProxyTargetClass(canSubclass(provider.getClass()));
		factory.addAdvice(new GuardToolsInterceptor(engine));
		return (ToolCallbackProvider) factory.getProxy(provider.getClass().getClassLoader());
	}

	/** Whether the provider was guarded by {@link #guard}. */
	static boolean isGuarded(Object bean) {
		return bean instanceof Advised advised && Arrays.stream(advised.getAdvisors())
			.anyMatch((advisor) -> advisor.getAdvice() instanceof GuardToolsInterceptor);
	}

	// A final class, a lambda or a final getToolCallbacks() cannot be subclassed usefully: such
	// providers get an interface proxy, so only the interfaces they implement stay injectable.
	private static boolean canSubclass(Class<?> type) {
		if (Modifier.isFinal(type.getModifiers()) || type.isHidden() || type.isSynthetic()) {
			return false;
		}
		Method method = ReflectionUtils.findMethod(type, GET_TOOL_CALLBACKS.getName());
		return method != null && !Modifier.isFinal(method.getModifiers());
	}

	private static final class GuardToolsInterceptor implements MethodInterceptor {

		private final LlmGuardEngine engine;

		GuardToolsInterceptor(LlmGuardEngine engine) {
			this.engine = engine;
		}

		@Override
		public Object invoke(MethodInvocation invocation) throws Throwable {
			Object result = invocation.proceed();
			if (!(result instanceof ToolCallback[] tools) || !isGetToolCallbacks(invocation.getMethod())) {
				return result;
			}
			List<ToolCallback> given = Arrays.asList(tools);
			List<ToolCallback> guarded = GuardedToolCallback.guardAll(given, this.engine);
			return (guarded == given) ? tools : guarded.toArray(ToolCallback[]::new);
		}

		private static boolean isGetToolCallbacks(Method method) {
			return method.getName().equals(GET_TOOL_CALLBACKS.getName()) && method.getParameterCount() == 0;
		}

	}

}

package dev.llmguard.autoconfigure;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import dev.llmguard.annotation.RateLimitedLlm;
import dev.llmguard.core.config.GuardSettings;
import dev.llmguard.core.model.ModelRef;

import org.springframework.aop.support.AopUtils;
import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.core.MethodIntrospector;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.annotation.AnnotationUtils;
import org.springframework.expression.ParseException;
import org.springframework.expression.spel.standard.SpelExpressionParser;
import org.springframework.util.ClassUtils;

/**
 * Checks every {@link RateLimitedLlm} on the application's beans (types and methods) against the
 * {@link GuardSettings} once all singletons exist, so a typo in a chain, model or tool name stops
 * start-up instead of failing the first call. The key of the reported problem is
 * {@code @RateLimitedLlm on com.example.Service#method}.
 * <p>
 * Checked: chain and model not both set; the chain, the {@code provider/model} and the tool are
 * configured; priority in 1..10; {@code maxWait} a non-negative duration; the SpEL attributes parse.
 * An annotation naming neither chain nor model is resolved per call and not checked here.
 */
final class RateLimitedLlmValidator implements SmartInitializingSingleton, BeanFactoryAware {

	private static final String ANNOTATION = "@" + RateLimitedLlm.class.getSimpleName();

	private final ObjectProvider<GuardSettings> settings;

	private final SpelExpressionParser parser = new SpelExpressionParser();

	private ConfigurableListableBeanFactory beanFactory;

	/**
	 * Creates the validator.
	 * @param settings the settings to check against, looked up once all singletons exist
	 */
	public RateLimitedLlmValidator(ObjectProvider<GuardSettings> settings) {
		this.settings = settings;
	}

	@Override
	public void setBeanFactory(BeanFactory beanFactory) throws BeansException {
		this.beanFactory = (beanFactory instanceof ConfigurableListableBeanFactory listable) ? listable : null;
	}

	@Override
	public void afterSingletonsInstantiated() {
		GuardSettings settings = this.settings.getIfAvailable();
		if (settings == null || this.beanFactory == null) {
			return;
		}
		Set<Class<?>> checked = new HashSet<>();
		for (String name : this.beanFactory.getBeanDefinitionNames()) {
			Class<?> type = userType(name);
			if (type != null && checked.add(type)) {
				validate(type, settings);
			}
		}
	}

	/**
	 * Checks the annotations of one class.
	 * @param type the user class (not a proxy)
	 * @param settings the settings
	 * @throws InvalidLlmGuardConfigurationException on the first invalid annotation
	 */
	public void validate(Class<?> type, GuardSettings settings) {
		if (!AnnotationUtils.isCandidateClass(type, RateLimitedLlm.class)) {
			return;
		}
		RateLimitedLlm onType = AnnotatedElementUtils.findMergedAnnotation(type, RateLimitedLlm.class);
		if (onType != null) {
			validate(ANNOTATION + " on " + type.getName(), onType, settings);
		}
		Map<Method, RateLimitedLlm> methods = MethodIntrospector.selectMethods(type,
				(MethodIntrospector.MetadataLookup<RateLimitedLlm>) (method) -> AnnotatedElementUtils
					.findMergedAnnotation(method, RateLimitedLlm.class));
		Set<Method> ordered = new TreeSet<>(Comparator.comparing(Method::toGenericString));
		ordered.addAll(methods.keySet());
		for (Method method : ordered) {
			String key = ANNOTATION + " on " + type.getName() + "#" + method.getName();
			RateLimitedLlm annotation = methods.get(method);
			validate(key, annotation, settings);
			validateFallbackMethod(key, type, method, annotation.fallbackMethod());
		}
		if (onType != null && !onType.fallbackMethod().isEmpty()) {
			for (Method method : type.getMethods()) {
				if (method.getDeclaringClass() != Object.class && !methods.containsKey(method)
						&& !java.lang.reflect.Modifier.isStatic(method.getModifiers())
						&& !method.getName().equals(onType.fallbackMethod())) {
					validateFallbackMethod(ANNOTATION + " on " + type.getName() + "#" + method.getName(), type, method,
							onType.fallbackMethod());
				}
			}
		}
	}

	private void validateFallbackMethod(String key, Class<?> type, Method method, String fallbackMethod) {
		if (fallbackMethod.isEmpty()) {
			return;
		}
		try {
			dev.llmguard.annotation.FallbackMethodResolver.validate(type, method, fallbackMethod);
		}
		catch (IllegalStateException ex) {
			throw new InvalidLlmGuardConfigurationException(key, "fallbackMethod = \"" + fallbackMethod + "\"",
					ex.getMessage(), "Declare " + fallbackMethod + " in " + type.getSimpleName()
							+ " with the parameters of " + method.getName()
							+ ", optionally followed by one exception parameter, returning the same type.");
		}
	}

	private void validate(String key, RateLimitedLlm annotation, GuardSettings settings) {
		String chain = annotation.chain();
		String model = annotation.model();
		if (!chain.isEmpty() && !model.isEmpty()) {
			throw new InvalidLlmGuardConfigurationException(key, "chain = \"" + chain + "\", model = \"" + model + "\"",
					"it names both a chain and a model", "Use either chain or model, not both.");
		}
		if (!chain.isEmpty() && !settings.chains().containsKey(chain)) {
			throw new InvalidLlmGuardConfigurationException(key, "chain = \"" + chain + "\"",
					"chain '" + chain + "' is not configured",
					"Configure it under llm.guard.chains." + LlmGuardConfigurationValidator.element(chain)
							+ " or use a configured chain. Configured chains: " + names(settings.chains()) + ".");
		}
		if (!model.isEmpty()) {
			validateModel(key, model, settings);
		}
		String tool = annotation.tool();
		if (!tool.isEmpty() && !settings.tools().containsKey(tool)) {
			throw new InvalidLlmGuardConfigurationException(key, "tool = \"" + tool + "\"",
					"tool '" + tool + "' is not configured",
					"Configure its limit under llm.guard.tools." + LlmGuardConfigurationValidator.element(tool)
							+ " or use a configured tool. Configured tools: " + names(settings.tools()) + ".");
		}
		if (annotation.priority() < 1 || annotation.priority() > 10) {
			throw new InvalidLlmGuardConfigurationException(key, "priority = " + annotation.priority(),
					"priority must be between 1 (most urgent) and 10 (least urgent)",
					"Set priority to a value from 1 to 10; the default is 5.");
		}
		validateDuration(key, "maxWait", annotation.maxWait(), "the provider's max-wait");
		validateDuration(key, "maxTotalTime", annotation.maxTotalTime(), "llm.guard.retry.max-total-time");
		validateExpression(key, "tenant", annotation.tenant());
		validateExpression(key, "session", annotation.session());
		validateExpression(key, "estimatedTokens", annotation.estimatedTokens());
		validateExpression(key, "cacheKey", annotation.cacheKey());
	}

	private void validateModel(String key, String model, GuardSettings settings) {
		String value = "model = \"" + model + "\"";
		ModelRef ref;
		try {
			ref = ModelRef.parse(model);
		}
		catch (IllegalArgumentException ex) {
			throw new InvalidLlmGuardConfigurationException(key, value,
					"'" + model + "' is not a provider/model reference",
					"Write the model as provider/model, for example openai/gpt-4o, or use a chain. Configured chains: "
							+ names(settings.chains()) + ".");
		}
		String problem = LlmGuardConfigurationValidator.unknownModelProblem(ref, settings);
		if (problem != null) {
			throw new InvalidLlmGuardConfigurationException(key, value, problem,
					LlmGuardConfigurationValidator.unknownModelAction(ref, settings));
		}
	}

	private void validateDuration(String key, String attribute, String value, String otherwise) {
		if (value.isEmpty()) {
			return;
		}
		Duration duration;
		try {
			duration = DurationStyle.detectAndParse(value);
		}
		catch (IllegalArgumentException ex) {
			duration = null;
		}
		if (duration == null || duration.isNegative()) {
			throw new InvalidLlmGuardConfigurationException(key, attribute + " = \"" + value + "\"",
					attribute + " is not a duration of 0 or more", "Write " + attribute
							+ " as a duration such as 5s, 500ms or PT5S, or leave it empty for " + otherwise + ".");
		}
	}

	private void validateExpression(String key, String attribute, String expression) {
		if (expression.isEmpty()) {
			return;
		}
		try {
			this.parser.parseExpression(expression);
		}
		catch (ParseException ex) {
			throw new InvalidLlmGuardConfigurationException(key, attribute + " = \"" + expression + "\"",
					attribute + " is not a valid SpEL expression: " + ex.getSimpleMessage(),
					"Write " + attribute + " as SpEL over the method's parameters, for example #request.customerId.");
		}
	}

	private Class<?> userType(String beanName) {
		Class<?> type;
		try {
			type = this.beanFactory.getType(beanName, false);
		}
		catch (BeansException ex) {
			return null;
		}
		if (type == null) {
			return null;
		}
		// An interface-based proxy hides the annotated class; ask the instance when there is one.
		if (Proxy.isProxyClass(type) && this.beanFactory.containsSingleton(beanName)) {
			Object bean = this.beanFactory.getSingleton(beanName);
			return (bean != null) ? AopUtils.getTargetClass(bean) : null;
		}
		return ClassUtils.getUserClass(type);
	}

	private static String names(Map<String, ?> configured) {
		return configured.isEmpty() ? "none" : String.join(", ", new TreeSet<>(configured.keySet()));
	}

}

package dev.llmguard.annotation;

import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.context.expression.BeanFactoryResolver;
import org.springframework.context.expression.MethodBasedEvaluationContext;
import org.springframework.core.ParameterNameDiscoverer;
import org.springframework.core.ResolvableType;
import org.springframework.expression.EvaluationException;
import org.springframework.expression.Expression;
import org.springframework.expression.ParseException;
import org.springframework.expression.spel.SpelNode;
import org.springframework.expression.spel.ast.VariableReference;
import org.springframework.expression.spel.standard.SpelExpression;
import org.springframework.expression.spel.standard.SpelExpressionParser;
import org.springframework.format.datetime.standard.DurationFormatterUtils;

import dev.llmguard.core.CallRequest;
import dev.llmguard.core.FallbackResponseMapper;
import dev.llmguard.core.model.ModelRef;
import dev.llmguard.core.model.Priority;

/**
 * What the aspect knows about one guarded method, worked out once on its first call: the annotation
 * with its SpEL expressions parsed and checked, how the method returns, how a fallback text becomes
 * its result, and its fallback method.
 */
final class GuardedMethod {

	private static final SpelExpressionParser PARSER = new SpelExpressionParser();

	private static final Pattern INDEXED_ARGUMENT = Pattern.compile("[ap]\\d+");

	private static final Set<String> BUILT_IN_VARIABLES = Set.of("root", "this");

	private final Method method;

	private final RateLimitedLlm annotation;

	private final ReturnKind kind;

	private final ModelRef model;

	private final Duration maxWait;

	private final Duration maxTotalTime;

	private final Expression tenant;

	private final Expression session;

	private final Expression estimatedTokens;

	private final Expression cacheKey;

	private final FallbackResponseMapper<Object> fallbackResponse;

	private final FallbackMethod fallbackMethod;

	private final ParameterNameDiscoverer parameterNames;

	private final List<PromptTextExtractor> extractors;

	/**
	 * @param method the most specific method (the one of the bean's class)
	 * @throws IllegalArgumentException for a bad priority, model, maxWait or SpEL expression
	 * @throws IllegalStateException for a missing or unusable fallback method
	 */
	GuardedMethod(Method method, Class<?> targetClass, RateLimitedLlm annotation, ParameterNameDiscoverer parameterNames,
			List<PromptTextExtractor> extractors) {
		this.method = method;
		this.annotation = annotation;
		this.parameterNames = parameterNames;
		this.extractors = extractors;
		this.kind = ReturnKind.of(method);
		try {
			Priority.of(annotation.priority());
		}
		catch (IllegalArgumentException ex) {
			throw invalid("priority = " + annotation.priority(), ex.getMessage(), ex);
		}
		this.model = parseModel(annotation.model());
		this.maxWait = parseDuration("maxWait", annotation.maxWait(), "a wait cannot be negative");
		this.maxTotalTime = parseDuration("maxTotalTime", annotation.maxTotalTime(), "a deadline cannot be negative");
		this.tenant = parse("tenant", annotation.tenant());
		this.session = parse("session", annotation.session());
		this.estimatedTokens = parse("estimatedTokens", annotation.estimatedTokens());
		this.cacheKey = parse("cacheKey", annotation.cacheKey());
		this.fallbackResponse = fallbackResponseMapper(this.kind.valueType(method));
		this.fallbackMethod = FallbackMethodResolver.resolve(targetClass, method, annotation.fallbackMethod());
	}

	ReturnKind kind() {
		return this.kind;
	}

	FallbackResponseMapper<Object> fallbackResponse() {
		return this.fallbackResponse;
	}

	/** The fallback method, or {@code null}. */
	FallbackMethod fallbackMethod() {
		return this.fallbackMethod;
	}

	/**
	 * The request of one call.
	 * @throws IllegalArgumentException when an expression cannot be evaluated over the arguments
	 */
	CallRequest request(Object[] args, BeanFactory beanFactory) {
		MethodBasedEvaluationContext context = null;
		if (this.tenant != null || this.session != null || this.estimatedTokens != null || this.cacheKey != null) {
			context = new MethodBasedEvaluationContext(null, this.method, args, this.parameterNames);
			if (beanFactory != null) {
				context.setBeanResolver(new BeanFactoryResolver(beanFactory));
			}
		}
		CallRequest.Builder request = CallRequest.builder()
			.chain(this.annotation.chain())
			.model(this.model)
			.tool(this.annotation.tool())
			.priority(this.annotation.priority())
			.maxWait(this.maxWait)
			.maxTotalTime(this.maxTotalTime)
			.tenant(asText("tenant", this.tenant, context))
			.session(asText("session", this.session, context))
			.cacheKey(asText("cacheKey", this.cacheKey, context));
		if (this.estimatedTokens != null) {
			request.estimatedInputTokens(asTokens(context));
			if (this.cacheKey == null) {
				// the prompt is not tokenized again; a digest of it stays the default key of the chain's cache
				String text = promptText(args);
				request.cacheKey((text != null) ? "prompt:" + digest(text) : null);
			}
		}
		else {
			request.prompt(promptText(args));
		}
		request.maxOutputTokens(maxOutputTokens(args));
		return request.build();
	}

	private String promptText(Object[] args) {
		StringBuilder text = null;
		for (Object arg : args) {
			if (arg == null) {
				continue;
			}
			for (PromptTextExtractor extractor : this.extractors) {
				String part = extractor.text(arg);
				if (part != null) {
					text = (text != null) ? text.append('\n') : new StringBuilder();
					text.append(part);
					break;
				}
			}
		}
		return (text != null) ? text.toString() : null;
	}

	private Integer maxOutputTokens(Object[] args) {
		for (Object arg : args) {
			if (arg == null) {
				continue;
			}
			for (PromptTextExtractor extractor : this.extractors) {
				Integer tokens = extractor.maxOutputTokens(arg);
				if (tokens != null && tokens > 0) {
					return tokens;
				}
			}
		}
		return null;
	}

	private static String digest(String text) {
		try {
			return java.util.HexFormat.of()
				.formatHex(java.security.MessageDigest.getInstance("SHA-256")
					.digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
		}
		catch (java.security.NoSuchAlgorithmException ex) {
			throw new IllegalStateException("every Java platform has SHA-256", ex);
		}
	}

	// ---------------------------------------------------------------- parsing, once per method

	private ModelRef parseModel(String value) {
		if (value.isBlank()) {
			return null;
		}
		try {
			return ModelRef.parse(value);
		}
		catch (IllegalArgumentException ex) {
			throw invalid("model = \"" + value + "\"", ex.getMessage(), ex);
		}
	}

	private Duration parseDuration(String attribute, String value, String negative) {
		if (value.isBlank()) {
			return null;
		}
		Duration duration;
		try {
			duration = DurationFormatterUtils.detectAndParse(value.trim());
		}
		catch (IllegalArgumentException | java.time.format.DateTimeParseException ex) {
			throw invalid(attribute + " = \"" + value + "\"", "write a duration such as 5s, 500ms, 1m or PT5S", ex);
		}
		if (duration.isNegative()) {
			throw invalid(attribute + " = \"" + value + "\"", negative, null);
		}
		return duration;
	}

	private Expression parse(String attribute, String text) {
		if (text.isBlank()) {
			return null;
		}
		String described = attribute + " = \"" + text + "\"";
		Expression expression;
		try {
			expression = PARSER.parseExpression(text);
		}
		catch (ParseException ex) {
			throw invalid(described, "not a valid SpEL expression: " + ex.getMessage(), ex);
		}
		checkVariables(described, (SpelExpression) expression);
		return expression;
	}

	/** A misspelt parameter would silently evaluate to null (no tenant): reject it up front. */
	private void checkVariables(String described, SpelExpression expression) {
		String[] names = this.parameterNames.getParameterNames(this.method);
		List<String> unknown = new ArrayList<>();
		collectVariables(expression.getAST(), unknown);
		unknown.removeIf(name -> BUILT_IN_VARIABLES.contains(name) || INDEXED_ARGUMENT.matcher(name).matches()
				|| (names != null && Arrays.asList(names).contains(name)));
		if (unknown.isEmpty()) {
			return;
		}
		String hint = (names != null) ? "the parameters are " + Arrays.toString(names)
				: "parameter names are not available: compile with -parameters or use #p0, #p1, …";
		throw invalid(described, "#" + unknown.get(0) + " is not a parameter of the method; " + hint, null);
	}

	private static void collectVariables(SpelNode node, List<String> names) {
		if (node instanceof VariableReference) {
			String text = node.toStringAST();
			names.add(text.startsWith("#") ? text.substring(1) : text);
		}
		for (int i = 0; i < node.getChildCount(); i++) {
			collectVariables(node.getChild(i), names);
		}
	}

	// ---------------------------------------------------------------- evaluation, per call

	private String asText(String attribute, Expression expression, MethodBasedEvaluationContext context) {
		if (expression == null) {
			return null;
		}
		Object value = evaluate(attribute, expression, context);
		return (value != null) ? value.toString() : null; // null means: no tenant (or session)
	}

	private Long asTokens(MethodBasedEvaluationContext context) {
		Object value = evaluate("estimatedTokens", this.estimatedTokens, context);
		if (value == null) {
			return null;
		}
		long tokens;
		if (value instanceof Number number) {
			tokens = number.longValue();
		}
		else {
			try {
				tokens = Long.parseLong(value.toString().trim());
			}
			catch (NumberFormatException ex) {
				throw invalid("estimatedTokens = \"" + this.estimatedTokens.getExpressionString() + "\"",
						"evaluated to " + value.getClass().getSimpleName() + ", not a number of tokens", ex);
			}
		}
		if (tokens < 0) {
			throw invalid("estimatedTokens = \"" + this.estimatedTokens.getExpressionString() + "\"",
					"evaluated to " + tokens + "; a token estimate cannot be negative", null);
		}
		return tokens;
	}

	private Object evaluate(String attribute, Expression expression, MethodBasedEvaluationContext context) {
		try {
			return expression.getValue(context);
		}
		catch (EvaluationException ex) {
			throw invalid(attribute + " = \"" + expression.getExpressionString() + "\"",
					"cannot be evaluated: " + ex.getMessage(), ex);
		}
	}

	private IllegalArgumentException invalid(String attribute, String problem, Throwable cause) {
		return new IllegalArgumentException(
				"@RateLimitedLlm(" + attribute + ") on " + Methods.describe(this.method) + ": " + problem, cause);
	}

	// ---------------------------------------------------------------- fallback response

	/** Text for String-like results, a Spring AI response for Spring AI results, else nothing. */
	private static FallbackResponseMapper<Object> fallbackResponseMapper(ResolvableType valueType) {
		Class<?> type = valueType.resolve(Object.class);
		if (type.isAssignableFrom(String.class)) {
			return text -> text;
		}
		if (!type.isPrimitive() && SpringAiSupport.isPresent(GuardedMethod.class.getClassLoader())) {
			Function<String, Object> factory = SpringAiSupport.fallbackFactory(type);
			Function<String, Object> cached = SpringAiSupport.cachedFactory(type);
			if (factory != null) {
				return new FallbackResponseMapper<>() {

					@Override
					public Object map(String text) {
						return factory.apply(text);
					}

					@Override
					public Object cached(String text) {
						return cached.apply(text); // marked as the chain's cached last answer
					}

				};
			}
		}
		return FallbackResponseMapper.none();
	}

}

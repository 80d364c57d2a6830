package dev.llmguard.http;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.http.HttpMethod;
import org.springframework.http.HttpRequest;
import org.springframework.http.client.ClientHttpRequestExecution;
import org.springframework.http.client.ClientHttpRequestInterceptor;
import org.springframework.http.client.ClientHttpResponse;

import dev.llmguard.core.CallRequest;
import dev.llmguard.core.FallbackExhaustedException;
import dev.llmguard.core.FallbackResponseMapper;
import dev.llmguard.core.LlmGuardContext;
import dev.llmguard.core.LlmGuardEngine;
import dev.llmguard.core.ModelRef;
import dev.llmguard.core.Priority;
import dev.llmguard.core.Usage;
import dev.llmguard.core.config.ChainSpec;
import dev.llmguard.core.config.ProviderSpec;
import dev.llmguard.core.retry.ProviderResponseException;
import dev.llmguard.core.retry.RateLimitHeaders;
import dev.llmguard.core.token.TokenEstimators;

/**
 * Guards {@code RestClient} (and {@code RestTemplate}) calls to the chat APIs of configured providers:
 * every {@code POST} whose URL starts with a {@code llm.guard.providers.<name>.base-url}.
 * <p>
 * The model and the output allowance come from the JSON body (OpenAI {@code model},
 * {@code max_completion_tokens} or {@code max_tokens}; Anthropic {@code model}, {@code max_tokens}),
 * the input estimate from the text of its {@code system} and {@code messages} plus the few tokens a
 * chat API adds per message ({@link TokenEstimators#chatFraming(int)}). A request for a model
 * of the provider's that the {@code default} chain lists goes on down that chain, as long as the
 * chain stays with the same provider (the URL is not rewritten); when the guard picks another model,
 * the body's {@code model} is rewritten. A body that is not JSON counts as a call of the provider's
 * only model (or the {@code default} chain), estimated from its length.
 * <p>
 * The response is read into memory to find its {@code usage} (OpenAI {@code prompt_tokens},
 * {@code completion_tokens}, {@code prompt_tokens_details.cached_tokens}; Anthropic
 * {@code input_tokens}, {@code output_tokens}, {@code cache_read_input_tokens}; for a server-sent
 * event stream, the usage its events report) and handed on with the same bytes, so the client reads
 * it as usual. A streamed response therefore reaches the client when it is complete.
 * <p>
 * An error status becomes a {@link ProviderResponseException} with the provider's error code and the
 * delay its {@code Retry-After}, {@code x-ratelimit-*} or {@code anthropic-ratelimit-*} headers ask
 * for, so the guard retries or falls back. When the guard gives up after the provider answered, the
 * client receives that last answer, and RestClient's status handling applies as without the guard
 * (for example {@code HttpClientErrorException.TooManyRequests}); when the guard itself refused the
 * call (rate limit, budget), its {@code LlmGuardException} propagates. A chain's
 * {@code fallback-response} is not used here: it is no provider body.
 * <p>
 * Inside a call that is already guarded ({@code @RateLimitedLlm}, the {@code LlmGuard} facade) the
 * interceptor only applies that call's model and adds the response's usage to its context.
 * <p>
 * Per-request settings travel as RestClient request attributes: {@link #CHAIN}, {@link #TENANT},
 * {@link #SESSION}, {@link #PRIORITY}.
 */
public final class LlmGuardRestClientInterceptor implements ClientHttpRequestInterceptor {

	/** Request attribute: the chain to use. */
	public static final String CHAIN = "llm-guard.chain";

	/** Request attribute: the tenant whose budgets apply. */
	public static final String TENANT = "llm-guard.tenant";

	/** Request attribute: the session whose budgets apply. */
	public static final String SESSION = "llm-guard.session";

	/** Request attribute: the priority, 1 (most urgent) to 10. */
	public static final String PRIORITY = "llm-guard.priority";

	private static final Logger logger = LoggerFactory.getLogger(LlmGuardRestClientInterceptor.class);

	private static final int MAX_WARNED = 64;

	private final LlmGuardEngine engine;

	private final ProviderJson json;

	private final List<ProviderUrl> providers;

	private final Set<String> warned = ConcurrentHashMap.newKeySet();

	public LlmGuardRestClientInterceptor(LlmGuardEngine engine) {
		this(engine, JsonMapper.builder().build());
	}

	/**
	 * @param engine the guard
	 * @param mapper reads and writes the JSON bodies
	 */
	public LlmGuardRestClientInterceptor(LlmGuardEngine engine, ObjectMapper mapper) {
		this.engine = Objects.requireNonNull(engine, "engine");
		this.json = new ProviderJson(Objects.requireNonNull(mapper, "mapper"));
		List<ProviderUrl> urls = new ArrayList<>();
		for (ProviderSpec provider : engine.settings().providers().values()) {
			if (provider.baseUrl() != null && !provider.baseUrl().isBlank()) {
				urls.add(new ProviderUrl(stripSlash(provider.baseUrl().trim()), provider));
			}
		}
		urls.sort(Comparator.comparingInt((ProviderUrl url) -> url.prefix().length()).reversed());
		this.providers = List.copyOf(urls);
	}

	@Override
	public ClientHttpResponse intercept(HttpRequest request, byte[] body, ClientHttpRequestExecution execution)
			throws IOException {
		ProviderSpec provider = (request.getMethod() == HttpMethod.POST) ? providerOf(request.getURI().toString())
				: null;
		if (provider == null) {
			return execution.execute(request, body);
		}
		ProviderJson.ChatRequestBody parsed = this.json.request(body);
		LlmGuardContext outer = LlmGuardContext.find();
		if (outer != null) {
			// admitted by an outer entry point: its model, our usage
			BufferedClientHttpResponse response = send(request, body, parsed, outer.model(), execution);
			addUsage(outer, this.json.usage(response.bodyBytes()));
			return response;
		}
		CallRequest call = resolve(request, provider, parsed, body.length);
		if (call == null) {
			return execution.execute(request, body);
		}
		try {
			return this.engine.execute(call, context -> {
				BufferedClientHttpResponse response = send(request, body, parsed, context.model(), execution);
				if (response.getStatusCode().isError()) {
					throw providerError(provider, context.model(), response);
				}
				addUsage(context, this.json.usage(response.bodyBytes()));
				return response;
			}, FallbackResponseMapper.none());
		}
		catch (ProviderErrorResponse ex) {
			return ex.response;
		}
		catch (FallbackExhaustedException ex) {
			if (ex.getCause() instanceof ProviderErrorResponse answered) {
				return answered.response;
			}
			throw ex;
		}
		catch (IOException | RuntimeException | Error ex) {
			throw ex;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IOException("Interrupted while waiting for LLM capacity", ex);
		}
		catch (Throwable ex) {
			throw new IOException(ex);
		}
	}

	private BufferedClientHttpResponse send(HttpRequest request, byte[] body, ProviderJson.ChatRequestBody parsed,
			String model, ClientHttpRequestExecution execution) throws IOException {
		byte[] sent = this.json.withModel(parsed, body, model);
		return BufferedClientHttpResponse.read(execution.execute(request, sent));
	}

	private ProviderErrorResponse providerError(ProviderSpec provider, String model,
			BufferedClientHttpResponse response) {
		int status = response.getStatusCode().value();
		String code = this.json.errorCode(response.bodyBytes());
		Duration retryAfter = RateLimitHeaders.retryAfter(response.getHeaders()::getFirst,
				this.engine.clock().instant());
		return new ProviderErrorResponse(status, code, retryAfter, "Provider '" + provider.name() + "' answered HTTP "
				+ status + ((code != null) ? " (" + code + ")" : "") + " for model '" + model + "'", response);
	}

	private static void addUsage(LlmGuardContext context, Usage usage) {
		if (usage == null) {
			return;
		}
		Usage before = context.recordedUsage();
		context.recordUsage((before == null) ? usage : before.plus(usage));
	}

	/**
	 * What the guard needs to know of the call.
	 * @return the call, or {@code null} when the provider's models cannot tell which model is meant
	 */
	private CallRequest resolve(HttpRequest request, ProviderSpec provider, ProviderJson.ChatRequestBody parsed,
			int bodyLength) {
		Map<String, Object> attributes = request.getAttributes();
		CallRequest.Builder call = CallRequest.builder()
			.tenant(text(attributes.get(TENANT)))
			.session(text(attributes.get(SESSION)))
			.priority(priority(attributes.get(PRIORITY)))
			.maxOutputTokens(parsed.maxOutputTokens());
		if (parsed.readable()) {
			call.estimatedInputTokens(this.engine.estimator().estimate(parsed.promptText())
					+ TokenEstimators.chatFraming(parsed.messages()));
		}
		else {
			call.estimatedInputTokens((long) (bodyLength + 3) / 4); // chars/4 over what was sent
		}
		String chainName = text(attributes.get(CHAIN));
		if (chainName != null) {
			ChainSpec chain = this.engine.settings().chains().get(chainName);
			if (chain != null && !staysWith(chain.models(), provider)) {
				throw new IllegalArgumentException("Chain '" + chainName + "' names models of other providers than '"
						+ provider.name() + "'; a RestClient call to " + provider.baseUrl()
						+ " can only use models of that provider");
			}
			return call.chain(chainName).build();
		}
		ChainSpec defaultChain = this.engine.settings().chains().get("default");
		String modelName = parsed.model();
		if (modelName != null && provider.models().containsKey(modelName)) {
			ModelRef model = new ModelRef(provider.name(), modelName);
			call.model(model);
			if (defaultChain != null) {
				int index = defaultChain.models().indexOf(model);
				if (index >= 0 && staysWith(defaultChain.models().subList(index, defaultChain.models().size()),
						provider)) {
					call.chain(defaultChain.name());
				}
			}
			return call.build();
		}
		if (provider.models().size() == 1) {
			return call.model(new ModelRef(provider.name(), provider.models().keySet().iterator().next())).build();
		}
		if (defaultChain != null && staysWith(defaultChain.models(), provider)) {
			return call.chain(defaultChain.name()).build();
		}
		warnUnguarded(provider, modelName);
		return null;
	}

	private static boolean staysWith(List<ModelRef> models, ProviderSpec provider) {
		return models.stream().allMatch(m -> m.provider().equals(provider.name()));
	}

	private void warnUnguarded(ProviderSpec provider, String model) {
		String key = provider.name() + "/" + model;
		if (this.warned.size() < MAX_WARNED && this.warned.add(key)) {
			logger.warn("llm-guard: RestClient calls to " + provider.baseUrl() + " for model '" + model
					+ "' are not guarded: configure llm.guard.providers." + provider.name() + ".models." + model);
		}
	}

	private ProviderSpec providerOf(String uri) {
		for (ProviderUrl url : this.providers) {
			if (uri.startsWith(url.prefix())) {
				int end = url.prefix().length();
				if (uri.length() == end || "/?#".indexOf(uri.charAt(end)) >= 0) {
					return url.provider();
				}
			}
		}
		return null;
	}

	private static String stripSlash(String url) {
		return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
	}

	private static String text(Object value) {
		return (value != null) ? value.toString() : null;
	}

	private static int priority(Object value) {
		return Priority.parse(value, "Request attribute " + PRIORITY);
	}

	private record ProviderUrl(String prefix, ProviderSpec provider) {
	}

	/** A provider's error answer, kept so the client can receive it when the guard gives up. */
	static final class ProviderErrorResponse extends ProviderResponseException {

		private final transient BufferedClientHttpResponse response;

		ProviderErrorResponse(int status, String errorCode, Duration retryAfter, String message,
				BufferedClientHttpResponse response) {
			super(status, errorCode, retryAfter, message);
			this.response = response;
		}

	}

}

package dev.llmguard.http;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.format.datetime.standard.DurationFormatterUtils;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpRequest;
import org.springframework.http.client.ClientHttpRequestExecution;
import org.springframework.http.client.ClientHttpRequestInterceptor;
import org.springframework.http.client.ClientHttpResponse;

import dev.llmguard.core.CallRequest;
import dev.llmguard.core.CallRouting;
import dev.llmguard.core.FallbackExhaustedException;
import dev.llmguard.core.FallbackResponseMapper;
import dev.llmguard.core.LlmGuardContext;
import dev.llmguard.core.LlmGuardEngine;
import dev.llmguard.core.config.ChainSpec;
import dev.llmguard.core.config.ProviderSpec;
import dev.llmguard.core.limit.RatePermit;
import dev.llmguard.core.model.ModelRef;
import dev.llmguard.core.model.Priority;
import dev.llmguard.core.model.Usage;
import dev.llmguard.core.retry.ProviderResponseException;
import dev.llmguard.core.retry.RateLimitHeaders;
import dev.llmguard.core.token.ImageTokens;
import dev.llmguard.core.token.TokenEstimators;
import dev.llmguard.core.token.ToolTokens;

/**
 * Guards {@code RestClient} (and {@code RestTemplate}) calls to the chat APIs of configured providers
 * (those with a {@code llm.guard.providers.<name>.base-url}).
 * <p>
 * A request is admitted as a guarded call only when the guard understands it: a {@code POST} to
 * {@code /v1/chat/completions}, {@code /v1/responses} or {@code /v1/messages} under the base URL
 * (the base URL may end in {@code /v1} or not) whose JSON body names a {@code model} and has
 * {@code messages} (responses: {@code input}). Every other request to the base URL (embeddings,
 * files, batches, a body that is no JSON, reads) leaves exactly as the client wrote it and is not
 * admitted; with {@code llm.guard.providers.<name>.guard-other-requests} (see
 * {@link #LlmGuardRestClientInterceptor(LlmGuardEngine, ObjectMapper, Set)}) it counts as a plain
 * request against the provider's request limits and concurrency, with no tokens and no budget.
 * <p>
 * The model comes from the body; a model the configuration does not list is guarded under the
 * provider and never rewritten. A request for a model of the provider's that the {@code default}
 * chain lists goes on down that chain, as long as the chain stays with the same provider (the URL is
 * not rewritten); when the guard picks another model, the body's {@code model} is rewritten.
 * <p>
 * The worst case is enforced, not only reserved: each attempt leaves with an output limit no higher
 * than the allowance the guard reserved for it. A body without one gets it (chat completions:
 * {@code max_completion_tokens}; responses: {@code max_output_tokens}; messages: {@code max_tokens});
 * a higher value is lowered, in the member the body used (a body with {@code max_tokens} keeps
 * {@code max_tokens}); with {@code n} choices each gets its share. The input estimate counts the text
 * of the system prompt and messages (tool calls and results included) plus the few tokens a chat API
 * adds per message ({@link TokenEstimators#chatFraming(int)}), the tool definitions
 * ({@link ToolTokens}) and the images ({@link ImageTokens}: by their size when a data URL or base64
 * source tells it, else at the most an image can cost on the models the call may use).
 * <p>
 * The response is read into memory to find its {@code usage} (OpenAI {@code prompt_tokens},
 * {@code completion_tokens}, {@code prompt_tokens_details.cached_tokens}; responses and Anthropic
 * {@code input_tokens}, {@code output_tokens} and their cached parts; for a server-sent event stream,
 * the usage its events report) and handed on with the same bytes, so the client reads it as usual. A
 * streamed response therefore reaches the client when it is complete.
 * <p>
 * Every answer's rate-limit headers ({@code x-ratelimit-*}, {@code anthropic-ratelimit-*},
 * {@code retry-after-ms}) go to the call's context, from which the guard learns the provider's limits
 * and what remains of them.
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
 * interceptor only applies that call's model (when it is of this provider) and output allowance, and
 * adds the response's usage to its context.
 * <p>
 * Per-request settings travel as RestClient request attributes: {@link #CHAIN}, {@link #TENANT},
 * {@link #SESSION}, {@link #PRIORITY}, {@link #MAX_TOTAL_TIME}.
 * <p>
 * A Retry-After longer than what is left of the call's deadline is not slept: the call moves to the
 * next model, or fails at once with {@code RateLimitExceededException} (not the provider's answer).
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

	/**
	 * Request attribute: the call's deadline from its start (waits, retries and their pauses together),
	 * as a {@link Duration} or text ({@code 20s}, {@code PT20S}); default
	 * {@code llm.guard.retry.max-total-time}.
	 */
	public static final String MAX_TOTAL_TIME = "llm-guard.max-total-time";

	/** The model name other requests are counted under: no configured model's buckets apply. */
	static final String OTHER_REQUESTS = CallRouting.OTHER_REQUESTS;

	private final LlmGuardEngine engine;

	private final ProviderJson json;

	private final List<ProviderUrl> providers;

	public LlmGuardRestClientInterceptor(LlmGuardEngine engine) {
		this(engine, JsonMapper.builder().build());
	}

	/**
	 * @param engine the guard
	 * @param mapper reads and writes the JSON bodies
	 */
	public LlmGuardRestClientInterceptor(LlmGuardEngine engine, ObjectMapper mapper) {
		this(engine, mapper, Set.of());
	}

	/**
	 * @param engine the guard
	 * @param mapper reads and writes the JSON bodies
	 * @param guardOtherRequests the providers whose other requests (anything but the chat requests
	 * the guard understands) count against their request limits and concurrency
	 * ({@code llm.guard.providers.<name>.guard-other-requests})
	 * @throws IllegalArgumentException when a provider of {@code guardOtherRequests} is not configured
	 */
	public LlmGuardRestClientInterceptor(LlmGuardEngine engine, ObjectMapper mapper, Set<String> guardOtherRequests) {
		this.engine = Objects.requireNonNull(engine, "engine");
		this.json = new ProviderJson(Objects.requireNonNull(mapper, "mapper"));
		Map<String, ProviderSpec> configured = engine.settings().providers();
		for (String name : guardOtherRequests) {
			if (!configured.containsKey(name)) {
				throw new IllegalArgumentException("Cannot guard other requests of provider '" + name
						+ "': it is not configured; configured providers are " + configured.keySet());
			}
		}
		List<ProviderUrl> urls = new ArrayList<>();
		for (ProviderSpec provider : configured.values()) {
			if (provider.baseUrl() != null && !provider.baseUrl().isBlank()) {
				urls.add(new ProviderUrl(stripSlash(provider.baseUrl().trim()), provider,
						guardOtherRequests.contains(provider.name())));
			}
		}
		urls.sort(Comparator.comparingInt((ProviderUrl url) -> url.prefix().length()).reversed());
		this.providers = List.copyOf(urls);
	}

	@Override
	public ClientHttpResponse intercept(HttpRequest request, byte[] body, ClientHttpRequestExecution execution)
			throws IOException {
		String uri = request.getURI().toString();
		ProviderUrl target = providerOf(uri);
		if (target == null) {
			return execution.execute(request, body);
		}
		ChatApi api = (request.getMethod() == HttpMethod.POST)
				? ChatApi.ofPath(uri.substring(target.prefix().length())) : null;
		ChatRequestBody chat = (api != null) ? this.json.chatRequest(api, body) : null;
		if (chat == null) {
			return target.guardOtherRequests() ? sendOther(request, body, execution, target.provider())
					: execution.execute(request, body);
		}
		ProviderSpec provider = target.provider();
		LlmGuardContext outer = LlmGuardContext.find();
		CallRequest call;
		if (outer == null) {
			call = resolve(request, provider, chat);
		}
		else if (outer.runsRequestsOnTheirOwn() && outer.provider().equals(provider.name())) {
			// inside an annotated method or a facade operation: this request is retried on its own
			call = CallRequest.builder()
				.maxOutputTokens(chat.requestedOutputTokens())
				.estimatedInputTokens(chat.inputTokens(this.engine.estimator(), List.of(outer.model())))
				.build();
		}
		else {
			// inside one model request, or a call of another provider: its model (never another
			// provider's) and allowance, our usage
			String model = outer.provider().equals(provider.name()) ? outer.model() : null;
			BufferedClientHttpResponse response = send(request, body, chat, model, outer.maxOutputTokens(),
					outer.shadowed(), execution);
			if (model != null) {
				outer.recordRateLimitHeaders(response.getHeaders()::getFirst);
			}
			addUsage(outer, this.json.usage(response.bodyBytes()));
			return response;
		}
		try {
			return this.engine.executeRequest(call, context -> {
				BufferedClientHttpResponse response = send(request, body, chat, context.model(),
						context.maxOutputTokens(), context.shadowed(), execution);
				// the answer's rate-limit headers, error or not, tell the guard what the provider has left
				context.recordRateLimitHeaders(response.getHeaders()::getFirst);
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

	/** Sends the body with the attempt's model and allowance, or as the client wrote it in shadow mode. */
	private BufferedClientHttpResponse send(HttpRequest request, byte[] body, ChatRequestBody chat, String model,
			long allowance, boolean asWritten, ClientHttpRequestExecution execution) throws IOException {
		byte[] sent = asWritten ? body : this.json.forAttempt(chat, body, model, allowance);
		return BufferedClientHttpResponse.read(execution.execute(request, sent));
	}

	/**
	 * Sends a request that is no chat call as a plain request: one request from the provider's request
	 * buckets and, outside a guarded call of the same provider (which holds one already), a concurrency
	 * slot until the response arrives. No tokens, no budget; the body leaves unchanged.
	 */
	private ClientHttpResponse sendOther(HttpRequest request, byte[] body, ClientHttpRequestExecution execution,
			ProviderSpec provider) throws IOException {
		LlmGuardContext outer = LlmGuardContext.find();
		Object attribute = request.getAttributes().get(PRIORITY);
		int priority = (attribute != null) ? priority(attribute)
				: (outer != null) ? outer.priority() : CallRequest.DEFAULT_PRIORITY;
		try {
			boolean holdsSlot = outer != null && outer.provider().equals(provider.name());
			RatePermit permit = this.engine.admitPlainRequest(provider.name(), priority, holdsSlot);
			if (permit == null) {
				return execution.execute(request, body);
			}
			try {
				return execution.execute(request, body);
			}
			finally {
				permit.release();
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IOException("Interrupted while waiting for capacity at provider '" + provider.name() + "'", ex);
		}
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

	/** What the guard needs to know of the call. */
	private CallRequest resolve(HttpRequest request, ProviderSpec provider, ChatRequestBody chat) {
		Map<String, Object> attributes = request.getAttributes();
		CallRequest.Builder call = CallRequest.builder()
			.tenant(text(attributes.get(TENANT)))
			.session(text(attributes.get(SESSION)))
			.priority(priority(attributes.get(PRIORITY)))
			.maxTotalTime(duration(attributes.get(MAX_TOTAL_TIME), MAX_TOTAL_TIME))
			.maxOutputTokens(chat.requestedOutputTokens());
		List<ModelRef> models = candidates(attributes, provider, chat, call);
		List<String> names = models.stream().map(ModelRef::model).toList();
		return call.estimatedInputTokens(chat.inputTokens(this.engine.estimator(), names)).build();
	}

	/**
	 * Sets the call's chain or model.
	 * @return the models the call may be sent to, for the input estimate
	 */
	private List<ModelRef> candidates(Map<String, Object> attributes, ProviderSpec provider, ChatRequestBody chat,
			CallRequest.Builder call) {
		String chainName = text(attributes.get(CHAIN));
		if (chainName != null) {
			ChainSpec chain = this.engine.settings().chains().get(chainName);
			if (chain != null && !staysWith(chain.models(), provider)) {
				throw new IllegalArgumentException("Chain '" + chainName + "' names models of other providers than '"
						+ provider.name() + "'; a RestClient call to " + provider.baseUrl()
						+ " can only use models of that provider");
			}
			call.chain(chainName);
			return (chain != null) ? chain.models() : List.of(new ModelRef(provider.name(), chat.model()));
		}
		ModelRef model = new ModelRef(provider.name(), chat.model());
		call.model(model);
		ChainSpec defaultChain = this.engine.routing().defaultChainFrom(model);
		if (defaultChain != null) {
			List<ModelRef> rest = CallRouting.candidatesFrom(defaultChain, model);
			if (staysWith(rest, provider)) {
				call.chain(defaultChain.name());
				return rest;
			}
		}
		return List.of(model);
	}

	private static boolean staysWith(List<ModelRef> models, ProviderSpec provider) {
		return models.stream().allMatch(m -> m.provider().equals(provider.name()));
	}

	/** The provider whose base URL the URI is under (the longest base URL first), or {@code null}. */
	private ProviderUrl providerOf(String uri) {
		for (ProviderUrl url : this.providers) {
			if (uri.startsWith(url.prefix())) {
				int end = url.prefix().length();
				if (uri.length() == end || "/?#".indexOf(uri.charAt(end)) >= 0) {
					return url;
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

	private static Duration duration(Object value, String attribute) {
		if (value == null || value instanceof Duration) {
			return (Duration) value;
		}
		try {
			return DurationFormatterUtils.detectAndParse(value.toString().trim());
		}
		catch (IllegalArgumentException | java.time.format.DateTimeParseException ex) {
			throw new IllegalArgumentException("Request attribute " + attribute + " is '" + value
					+ "', not a duration: write it as a Duration or as text such as 20s or PT20S", ex);
		}
	}

	private static int priority(Object value) {
		return Priority.parse(value, "Request attribute " + PRIORITY);
	}

	private record ProviderUrl(String prefix, ProviderSpec provider, boolean guardOtherRequests) {
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

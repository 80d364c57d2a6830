package dev.llmguard.springai;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;

import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.client.ChatClientRequest;
import org.springframework.ai.chat.client.ChatClientResponse;
import org.springframework.ai.chat.client.advisor.ToolCallingAdvisor;
import org.springframework.ai.chat.client.advisor.api.CallAdvisor;
import org.springframework.ai.chat.client.advisor.api.CallAdvisorChain;
import org.springframework.ai.chat.client.advisor.api.StreamAdvisor;
import org.springframework.ai.chat.client.advisor.api.StreamAdvisorChain;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;
import org.springframework.core.Ordered;

import dev.llmguard.core.CallRequest;
import dev.llmguard.core.FallbackResponseMapper;
import dev.llmguard.core.LlmGuardContext;
import dev.llmguard.core.LlmGuardEngine;
import dev.llmguard.core.model.Usage;
import dev.llmguard.reactive.GuardedFlux;

/**
 * Guards every request a {@code ChatClient} sends to its model: {@code call()} on the calling thread,
 * {@code stream()} without blocking the subscriber (admission waits on Reactor's bounded-elastic
 * scheduler). Registered on every {@code ChatClient.Builder} by llm-guard's auto-configuration
 * ({@code llm.guard.spring-ai.enabled}).
 * <p>
 * <b>What is guarded.</b> The advisor resolves the call from the request: the chain given with
 * {@link #chain(String)}, else the model of the request's options (Spring AI 2 merges the chat
 * model's default options into every request), continuing on the {@code default} chain from that
 * model when the chain lists it, else the {@code default} chain. Tenant, session, priority and max
 * wait come from {@link #tenant(String)}, {@link #session(String)}, {@link #priority(int)} and
 * {@link #maxWait(Duration)}, the deadline from {@link #maxTotalTime(Duration)}. The input estimate is the tokenizer over the prompt's text; the output
 * allowance is the options' max tokens (or OpenAI's max completion tokens), else the model's default.
 * The guard's chosen model is written into the request's options, every other option kept. The call
 * settles with the {@code ChatResponse}'s usage; a stream settles with its final chunk's usage (OpenAI
 * streams are asked to include it), and with no usage, with an estimate that is counted as such.
 * <p>
 * <b>Order.</b> {@link #DEFAULT_ORDER} is {@code LOWEST_PRECEDENCE - 1000}: after (inside) Spring AI's
 * {@link ToolCallingAdvisor} ({@code HIGHEST_PRECEDENCE + 300}), memory advisors and
 * {@code StructuredOutputValidationAdvisor} ({@code LOWEST_PRECEDENCE - 2000}), just before the chat
 * model. The tool-calling loop runs one model request per round; with the guard inside the loop each
 * round is one guarded call with its own admission, its own usage and its own retries, which is what
 * the provider's limits count, and a retry or a fallback repeats one round, never the tools that
 * already ran. Wrapping the whole conversation instead would reserve one round's allowance for several
 * requests and could not apply a fallback model to a single round. Advisors that add to the prompt
 * (memory, retrieval) run before the guard, so the estimate sees the prompt the model receives.
 * <p>
 * <b>Inside a guarded call.</b> Inside an {@code @RateLimitedLlm} method or an {@code LlmGuard}
 * operation (on this thread, or in the stream's Reactor context), each request is run through
 * {@link LlmGuardEngine#executeRequest} or {@link GuardedFlux#request}: it is retried and failed over on
 * its own under that call's chain, tenant, session and priority (the first request uses the capacity
 * the call was admitted with), so a retry never runs the method again. Inside another model request
 * the advisor only applies that call's model and adds each round's usage to its context.
 * <p>
 * A request for a model that no provider configures, with no {@code default} chain to fall back on,
 * passes unguarded (one WARN per model name).
 */
public final class LlmGuardAdvisor implements CallAdvisor, StreamAdvisor {

	/** The default order: inside {@link ToolCallingAdvisor}'s loop, just before the chat model. */
	public static final int DEFAULT_ORDER = Ordered.LOWEST_PRECEDENCE - 1000;

	/** Advisor parameter: the chain to use (a configured {@code llm.guard.chains.*} name). */
	public static final String CHAIN = "llm-guard.chain";

	/** Advisor parameter: the tenant whose budgets apply. */
	public static final String TENANT = "llm-guard.tenant";

	/** Advisor parameter: the session or run whose budgets apply. */
	public static final String SESSION = "llm-guard.session";

	/** Advisor parameter: the priority, 1 (most urgent) to 10, as an {@code Integer} or text. */
	public static final String PRIORITY = "llm-guard.priority";

	/** Advisor parameter: the longest wait for capacity, as a {@link Duration} or text ({@code 5s}, {@code PT5S}). */
	public static final String MAX_WAIT = "llm-guard.max-wait";

	/**
	 * Advisor parameter: the request's deadline from its start (waits, retries and their pauses
	 * together), as a {@link Duration} or text ({@code 20s}); default {@code llm.guard.retry.max-total-time}.
	 */
	public static final String MAX_TOTAL_TIME = "llm-guard.max-total-time";

	/**
	 * Advisor parameter: the key of the request's answer in its chain's cache of last answers
	 * ({@code llm.guard.chains.<name>.cache}); default: the prompt's messages. Only a digest of it, with
	 * the chain and the tenant, is kept.
	 */
	public static final String CACHE_KEY = "llm-guard.cache-key";

	private static final Logger logger = LoggerFactory.getLogger(LlmGuardAdvisor.class);

	private static final int MAX_WARNED_MODELS = 64;

	private final LlmGuardEngine engine;

	private final int order;

	private final ChatPrompts prompts;

	private final SpringAiUsageExtractor usageExtractor = new SpringAiUsageExtractor();

	private final ChatClientChunkReader chunkReader = new ChatClientChunkReader();

	// chat model classes come from code, still capped
	private final Set<String> warnedModels = ConcurrentHashMap.newKeySet();

	/** An advisor at {@link #DEFAULT_ORDER}. */
	public LlmGuardAdvisor(LlmGuardEngine engine) {
		this(engine, DEFAULT_ORDER);
	}

	/**
	 * @param engine the guard
	 * @param order the advisor's order; keep it above the {@code ToolCallingAdvisor}'s to guard each
	 * round of a tool-calling conversation
	 */
	public LlmGuardAdvisor(LlmGuardEngine engine, int order) {
		this.engine = Objects.requireNonNull(engine, "engine");
		this.prompts = new ChatPrompts(engine);
		this.order = order;
	}

	/** Use a chain for this request: {@code .advisors(LlmGuardAdvisor.chain("cheap"))}. */
	public static Consumer<ChatClient.AdvisorSpec> chain(String chain) {
		return spec -> spec.param(CHAIN, chain);
	}

	/** Count this request against a tenant's budgets. */
	public static Consumer<ChatClient.AdvisorSpec> tenant(String tenant) {
		return spec -> spec.param(TENANT, tenant);
	}

	/** Count this request against a session's budgets. */
	public static Consumer<ChatClient.AdvisorSpec> session(String session) {
		return spec -> spec.param(SESSION, session);
	}

	/** The request's priority, 1 (most urgent) to 10. */
	public static Consumer<ChatClient.AdvisorSpec> priority(int priority) {
		return spec -> spec.param(PRIORITY, priority);
	}

	/** The key of this request's answer in its chain's cache of last answers. */
	public static Consumer<ChatClient.AdvisorSpec> cacheKey(String cacheKey) {
		return spec -> spec.param(CACHE_KEY, cacheKey);
	}

	/** The longest this request may wait for capacity; {@link Duration#ZERO} never waits (try-acquire). */
	public static Consumer<ChatClient.AdvisorSpec> maxWait(Duration maxWait) {
		return spec -> spec.param(MAX_WAIT, maxWait);
	}

	/** This request's deadline: its waits for capacity, retries and their pauses together. */
	public static Consumer<ChatClient.AdvisorSpec> maxTotalTime(Duration maxTotalTime) {
		return spec -> spec.param(MAX_TOTAL_TIME, maxTotalTime);
	}

	@Override
	public String getName() {
		return "LlmGuardAdvisor";
	}

	@Override
	public int getOrder() {
		return this.order;
	}

	// ---------------------------------------------------------------- call

	@Override
	public ChatClientResponse adviseCall(ChatClientRequest request, CallAdvisorChain chain) {
		LlmGuardContext outer = LlmGuardContext.find();
		ChatModel model = ChatModelUnderneath.of(chain);
		CallRequest call;
		if (outer == null) {
			call = resolve(request, model);
			if (call == null) {
				return chain.nextCall(request);
			}
		}
		else if (outer.runsRequestsOnTheirOwn()) {
			// inside an annotated method or a facade operation: this round is retried on its own
			call = figures(request).cacheKey(this.prompts.cacheKey(request.prompt(), request.context())).build();
		}
		else {
			return callModel(request, chain, outer, model);
		}
		try {
			return this.engine.executeRequest(call, context -> callModel(request, chain, context, model),
					fallback(request));
		}
		catch (RuntimeException | Error ex) {
			throw ex;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted while waiting for LLM capacity", ex);
		}
		catch (Throwable ex) {
			throw new IllegalStateException(ex);
		}
	}

	private ChatClientResponse callModel(ChatClientRequest request, CallAdvisorChain chain,
			LlmGuardContext context, ChatModel model) {
		requireReachable(context, model);
		ChatClientRequest withModel = ChatOptionsSupport.forAttempt(request, context, false);
		// the chain pops advisors as it goes: every attempt continues on a fresh copy; a guarded model
		// below only sends the request where the context says
		ChatClientResponse response;
		try {
			response = ModelRequests.sending(context, () -> chain.copy(this).nextCall(withModel));
		}
		catch (RuntimeException ex) {
			SdkErrorHeaders.record(context, ex);
			throw ex;
		}
		addUsage(context, this.usageExtractor.extract(response));
		recordRateLimits(context, response.chatResponse());
		return response;
	}

	// ---------------------------------------------------------------- stream

	@Override
	public Flux<ChatClientResponse> adviseStream(ChatClientRequest request, StreamAdvisorChain chain) {
		return Flux.deferContextual(reactorContext -> {
			LlmGuardContext outer = reactorContext.<LlmGuardContext>getOrEmpty(GuardedFlux.CONTEXT_KEY)
				.orElseGet(LlmGuardContext::find);
			ChatModel model = ChatModelUnderneath.of(chain);
			CallRequest call;
			if (outer == null) {
				call = resolve(request, model);
				if (call == null) {
					return chain.nextStream(request);
				}
			}
			else if (this.engine.requestsOf(outer) != null) {
				// inside an annotated method or a facade operation: this request is retried on its own
				call = figures(request).cacheKey(this.prompts.cacheKey(request.prompt(), request.context())).build();
			}
			else {
				return streamModel(request, chain, outer, model);
			}
			return GuardedFlux.request(this.engine, call, context -> streamModel(request, chain, context, model),
					fallback(request), this.chunkReader);
		});
	}

	private Flux<ChatClientResponse> streamModel(ChatClientRequest request, StreamAdvisorChain chain,
			LlmGuardContext context, ChatModel model) {
		return Flux.defer(() -> {
			requireReachable(context, model);
			ChatClientRequest withModel = ChatOptionsSupport.forAttempt(request, context, true);
			Usage[] last = new Usage[1];
			return chain.copy(this)
				.nextStream(withModel)
				.contextWrite(reactorContext -> reactorContext.put(ModelRequests.KEY, context))
				.doOnNext(chunk -> {
					Usage usage = this.usageExtractor.extract(chunk);
					if (usage != null) {
						last[0] = usage;
					}
					recordRateLimits(context, chunk.chatResponse());
				})
				.doOnError((ex) -> SdkErrorHeaders.record(context, ex))
				.doOnComplete(() -> addUsage(context, last[0]));
		});
	}

	// ---------------------------------------------------------------- shared

	/**
	 * What the answer's metadata told of the provider's rate limits goes to the call, also when the
	 * model below is not itself guarded (a ChatClient built on a model that is no bean).
	 */
	private void recordRateLimits(LlmGuardContext context, ChatResponse response) {
		context.recordRateLimits(SpringAiRateLimits.of(response, this.engine.clock().instant()));
	}

	/** Adds one round's usage to the call's (a call admitted outside may span several rounds). */
	private static void addUsage(LlmGuardContext context, Usage usage) {
		if (usage == null) {
			return;
		}
		Usage before = context.recordedUsage();
		context.recordUsage((before == null) ? usage : before.plus(usage));
	}

	private FallbackResponseMapper<ChatClientResponse> fallback(ChatClientRequest request) {
		return new FallbackResponseMapper<>() {

			@Override
			public ChatClientResponse map(String text) {
				return ChatClientResponse.builder()
					.chatResponse(GuardAnswers.fallbackResponse(text))
					.context(request.context())
					.build();
			}

			@Override
			public ChatClientResponse cached(String text) {
				return ChatClientResponse.builder()
					.chatResponse(GuardAnswers.cachedChatResponse(text))
					.context(request.context())
					.context(GuardAnswers.FALLBACK, GuardAnswers.CACHED)
					.build();
			}

		};
	}

	/**
	 * What the guard needs to know of the request: its figures and where it goes, under the provider
	 * of the chat model the {@code ChatClient} was built on.
	 * @return the call, or {@code null} when the chat model belongs to no configured provider, or the
	 * request names no model and nothing says which to use (passes unguarded)
	 */
	private CallRequest resolve(ChatClientRequest request, ChatModel model) {
		String provider = providerOf(model);
		if (provider == null) {
			warnUnguarded(model);
			return null;
		}
		return this.prompts.resolve(request.prompt(), provider, null, request.context());
	}

	/**
	 * The provider of the chat model a {@code ChatClient} was built on: a guarded model's, else the
	 * conventional provider of Spring AI's model class when it is configured; never from a model name.
	 */
	private String providerOf(ChatModel model) {
		if (model instanceof GuardedChatModel guarded) {
			return guarded.provider();
		}
		String conventional = (model != null) ? ChatModelProviders.conventional(model.getClass()) : null;
		return (conventional != null && this.engine.settings().providers().containsKey(conventional)) ? conventional
				: null;
	}

	/**
	 * An unguarded chat model can only send requests to its own provider: a guarded one sends a request
	 * for another provider's model through that provider's chat model.
	 */
	private void requireReachable(LlmGuardContext context, ChatModel model) {
		if (model == null || model instanceof GuardedChatModel) {
			return;
		}
		String provider = providerOf(model);
		if (provider != null && !provider.equals(context.provider())) {
			throw new IllegalStateException("llm-guard chose " + context.modelRef() + " but this ChatClient's "
					+ model.getClass().getSimpleName() + " talks to '" + provider + "' and is not guarded by llm-guard; "
					+ "build the ChatClient on the ChatModel bean (llm-guard sends each attempt through its "
					+ "provider's ChatModel), or use a chain of '" + provider + "' models");
		}
	}

	/** The request's own figures: its estimated input tokens and the max output tokens it asks for. */
	private CallRequest.Builder figures(ChatClientRequest request) {
		return this.prompts.figures(request.prompt());
	}

	private void warnUnguarded(ChatModel model) {
		String key = (model != null) ? model.getClass().getName() : "(unknown)";
		if (this.warnedModels.size() < MAX_WARNED_MODELS && this.warnedModels.add(key)) {
			logger.warn("llm-guard: the advisor does not guard ChatClient requests to " + ((model != null)
					? "a " + model.getClass().getSimpleName() + ", which belongs to no provider under llm.guard.providers"
					: "a chat model it cannot see") + "; make it a bean and set llm.guard.providers.<name>.chat-model "
					+ "to its name, or configure its provider");
		}
	}

}

package dev.llmguard.springai;

import java.time.Duration;
import java.util.List;
import java.util.Map;
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
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;
import org.springframework.ai.content.Media;
import org.springframework.ai.content.MediaContent;
import org.springframework.ai.model.tool.ToolCallingChatOptions;
import org.springframework.ai.tool.ToolCallback;
import org.springframework.ai.tool.definition.ToolDefinition;
import org.springframework.core.Ordered;

import dev.llmguard.core.CallRequest;
import dev.llmguard.core.CallRouting;
import dev.llmguard.core.FallbackResponseMapper;
import dev.llmguard.core.LlmGuardContext;
import dev.llmguard.core.LlmGuardEngine;
import dev.llmguard.core.config.ChainSpec;
import dev.llmguard.core.config.ProviderSpec;
import dev.llmguard.core.model.ModelRef;
import dev.llmguard.core.model.Priority;
import dev.llmguard.core.model.Usage;
import dev.llmguard.core.token.ImageSize;
import dev.llmguard.core.token.ImageTokens;
import dev.llmguard.core.token.TokenEstimators;
import dev.llmguard.core.token.ToolTokens;
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
 * {@link #maxWait(Duration)}. The input estimate is the tokenizer over the prompt's text; the output
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

	private static final Logger logger = LoggerFactory.getLogger(LlmGuardAdvisor.class);

	private static final int MAX_WARNED_MODELS = 64;

	private final LlmGuardEngine engine;

	private final int order;

	private final SpringAiUsageExtractor usageExtractor = new SpringAiUsageExtractor();

	private final ChatClientChunkReader chunkReader = new ChatClientChunkReader();

	// model names come from code and configuration, still capped
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

	/** The longest this request may wait for capacity. */
	public static Consumer<ChatClient.AdvisorSpec> maxWait(Duration maxWait) {
		return spec -> spec.param(MAX_WAIT, maxWait);
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
		CallRequest call;
		if (outer == null) {
			call = resolve(request);
			if (call == null) {
				return chain.nextCall(request);
			}
		}
		else if (outer.runsRequestsOnTheirOwn()) {
			// inside an annotated method or a facade operation: this round is retried on its own
			call = figures(request).build();
		}
		else {
			return callModel(request, chain, outer);
		}
		try {
			return this.engine.executeRequest(call, context -> callModel(request, chain, context), fallback(request));
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
			LlmGuardContext context) {
		ChatClientRequest withModel = ChatOptionsSupport.forAttempt(request, context, false);
		// the chain pops advisors as it goes: every attempt continues on a fresh copy
		ChatClientResponse response = chain.copy(this).nextCall(withModel);
		addUsage(context, this.usageExtractor.extract(response));
		return response;
	}

	// ---------------------------------------------------------------- stream

	@Override
	public Flux<ChatClientResponse> adviseStream(ChatClientRequest request, StreamAdvisorChain chain) {
		return Flux.deferContextual(reactorContext -> {
			LlmGuardContext outer = reactorContext.<LlmGuardContext>getOrEmpty(GuardedFlux.CONTEXT_KEY)
				.orElseGet(LlmGuardContext::find);
			CallRequest call;
			if (outer == null) {
				call = resolve(request);
				if (call == null) {
					return chain.nextStream(request);
				}
			}
			else if (this.engine.requestsOf(outer) != null) {
				// inside an annotated method or a facade operation: this request is retried on its own
				call = figures(request).build();
			}
			else {
				return streamModel(request, chain, outer);
			}
			return GuardedFlux.request(this.engine, call, context -> streamModel(request, chain, context),
					fallback(request), this.chunkReader);
		});
	}

	private Flux<ChatClientResponse> streamModel(ChatClientRequest request, StreamAdvisorChain chain,
			LlmGuardContext context) {
		ChatClientRequest withModel = ChatOptionsSupport.forAttempt(request, context, true);
		return Flux.defer(() -> {
			Usage[] last = new Usage[1];
			return chain.copy(this)
				.nextStream(withModel)
				.doOnNext(chunk -> {
					Usage usage = this.usageExtractor.extract(chunk);
					if (usage != null) {
						last[0] = usage;
					}
				})
				.doOnComplete(() -> addUsage(context, last[0]));
		});
	}

	// ---------------------------------------------------------------- shared

	/** Adds one round's usage to the call's (a call admitted outside may span several rounds). */
	private static void addUsage(LlmGuardContext context, Usage usage) {
		if (usage == null) {
			return;
		}
		Usage before = context.recordedUsage();
		context.recordUsage((before == null) ? usage : before.plus(usage));
	}

	private FallbackResponseMapper<ChatClientResponse> fallback(ChatClientRequest request) {
		return text -> ChatClientResponse.builder()
			.chatResponse(new ChatResponse(List.of(new Generation(new AssistantMessage(text)))))
			.context(request.context())
			.build();
	}

	/**
	 * The prompt's tokens as the provider bills them: each message counted on its own (text joined
	 * across messages tokenizes differently) plus the chat framing of the messages.
	 */
	private long estimateInput(ChatClientRequest request) {
		List<Message> messages = request.prompt().getInstructions();
		String model = ChatOptionsSupport.model(request);
		long tokens = TokenEstimators.chatFraming(messages.size());
		for (Message message : messages) {
			tokens += this.engine.estimator().estimate(message.getText());
			if (message instanceof MediaContent content) {
				for (Media media : content.getMedia()) {
					tokens += imageTokens(media, model);
				}
			}
		}
		return tokens + toolTokens(request);
	}

	/**
	 * An image as the providers bill it: by its size where its bytes are at hand, else the most an
	 * image can cost; the higher of OpenAI's and Anthropic's rules, since the provider is chosen later.
	 */
	private static long imageTokens(Media media, String model) {
		if (media.getMimeType() == null || !"image".equals(media.getMimeType().getType())) {
			return 0;
		}
		ImageSize size = null;
		Object data = media.getData();
		if (data instanceof byte[] bytes) {
			size = ImageSize.of(bytes);
		}
		else if (data instanceof String text && text.startsWith("data:")) {
			size = ImageSize.ofDataUrl(text);
		}
		Integer width = (size != null) ? size.width() : null;
		Integer height = (size != null) ? size.height() : null;
		return Math.max(ImageTokens.openAi(model, width, height, null), ImageTokens.anthropic(width, height));
	}

	/** The tool definitions the request offers the model, billed as input. */
	private long toolTokens(ChatClientRequest request) {
		if (!(request.prompt().getOptions() instanceof ToolCallingChatOptions options)) {
			return 0;
		}
		List<ToolCallback> callbacks = options.getToolCallbacks();
		if (callbacks == null || callbacks.isEmpty()) {
			return 0;
		}
		long tokens = Math.max(ToolTokens.OPENAI_REQUEST_OVERHEAD, ToolTokens.ANTHROPIC_REQUEST_OVERHEAD);
		for (ToolCallback callback : callbacks) {
			ToolDefinition definition = callback.getToolDefinition();
			tokens += ToolTokens.definition(this.engine.estimator(), definition.name(), definition.description(),
					definition.inputSchema());
		}
		return tokens;
	}

	/**
	 * What the guard needs to know of the request.
	 * @return the call, or {@code null} when no configured model or chain fits (passes unguarded)
	 */
	CallRequest resolve(ChatClientRequest request) {
		Map<String, Object> params = request.context();
		CallRequest.Builder call = figures(request).tenant(text(params.get(TENANT)))
			.session(text(params.get(SESSION)))
			.priority(priority(params.get(PRIORITY)))
			.maxWait(duration(params.get(MAX_WAIT)));
		String chainName = text(params.get(CHAIN));
		if (chainName != null) {
			return call.chain(chainName).build();
		}
		CallRouting routing = this.engine.routing();
		String modelName = ChatOptionsSupport.model(request);
		ModelRef model = routing.resolveModel(modelName);
		if (model != null) {
			ChainSpec chain = routing.defaultChainFrom(model); // go on down the default chain from the requested model
			return call.model(model).chain((chain != null) ? chain.name() : null).build();
		}
		if (this.engine.settings().chains().containsKey(CallRouting.DEFAULT_CHAIN) || configuredModels() == 1) {
			return call.build();
		}
		warnUnguarded(modelName);
		return null;
	}

	/** The request's own figures: its estimated input tokens and the max output tokens it asks for. */
	private CallRequest.Builder figures(ChatClientRequest request) {
		return CallRequest.builder()
			.estimatedInputTokens(estimateInput(request))
			.maxOutputTokens(ChatOptionsSupport.maxOutputTokens(request));
	}

	private int configuredModels() {
		int count = 0;
		for (ProviderSpec provider : this.engine.settings().providers().values()) {
			count += provider.models().size();
		}
		return count;
	}

	private void warnUnguarded(String modelName) {
		String key = String.valueOf(modelName);
		if (this.warnedModels.size() < MAX_WARNED_MODELS && this.warnedModels.add(key)) {
			logger.warn("llm-guard: ChatClient requests for model '" + key + "' are not guarded: no provider under "
					+ "llm.guard.providers lists it and there is no llm.guard.chains.default; configure the model "
					+ "or pass LlmGuardAdvisor.chain(...)");
		}
	}

	private static String text(Object value) {
		return (value != null) ? value.toString() : null;
	}

	private static int priority(Object value) {
		return Priority.parse(value, "Advisor parameter " + PRIORITY);
	}

	private static Duration duration(Object value) {
		if (value == null || value instanceof Duration) {
			return (Duration) value;
		}
		return org.springframework.format.datetime.standard.DurationFormatterUtils.detectAndParse(value.toString());
	}

}

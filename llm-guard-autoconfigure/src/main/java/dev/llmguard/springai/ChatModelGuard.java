package dev.llmguard.springai;

import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import reactor.core.publisher.Flux;

import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;

import dev.llmguard.core.CallRequest;
import dev.llmguard.core.FallbackResponseMapper;
import dev.llmguard.core.LlmGuardContext;
import dev.llmguard.core.LlmGuardEngine;
import dev.llmguard.core.model.Usage;
import dev.llmguard.reactive.GuardedFlux;

/**
 * The guard of one chat model bean, behind its {@link GuardedChatModel} proxy: each {@code call} and
 * {@code stream} is one guarded call under the model's provider. A request that an outer entry point
 * admitted (the advisor, or another model request) is only sent to the chosen provider and model; inside
 * an annotated method or a facade operation the request is run on its own under that call's chain. When
 * the chosen model belongs to another provider, the request goes through that provider's chat model,
 * with the portable parts of its options.
 */
final class ChatModelGuard implements MethodInterceptor {

	private final ChatModel delegate;

	private final String provider;

	private final LlmGuardChatModels models;

	private final SpringAiUsageExtractor usageExtractor = new SpringAiUsageExtractor();

	private final ChatClientChunkReader chunkReader = new ChatClientChunkReader();

	ChatModelGuard(ChatModel delegate, String provider, LlmGuardChatModels models) {
		this.delegate = delegate;
		this.provider = provider;
		this.models = models;
	}

	@Override
	public Object invoke(MethodInvocation invocation) throws Throwable {
		Method method = invocation.getMethod();
		Object[] args = invocation.getArguments();
		if (method.getDeclaringClass() == GuardedChatModel.class) {
			return "provider".equals(method.getName()) ? this.provider : this.delegate;
		}
		if (args.length == 1 && ("call".equals(method.getName()) || "stream".equals(method.getName()))) {
			boolean stream = "stream".equals(method.getName());
			Object arg = args[0];
			if (arg instanceof Prompt prompt) {
				return stream ? stream(prompt) : call(prompt);
			}
			// the interfaces' conveniences, which would otherwise call the model itself
			Prompt prompt = (arg instanceof String text) ? new Prompt(new UserMessage(text))
					: (arg instanceof Message[] messages) ? new Prompt(Arrays.asList(messages)) : null;
			if (prompt != null) {
				return stream ? stream(prompt).map(ChatModelGuard::text) : text(call(prompt));
			}
		}
		return invocation.proceed();
	}

	private static String text(ChatResponse response) {
		Generation generation = response.getResult();
		String text = (generation != null) ? generation.getOutput().getText() : null;
		return (text != null) ? text : "";
	}

	// ---------------------------------------------------------------- call

	ChatResponse call(Prompt prompt) {
		LlmGuardEngine engine = this.models.engine();
		if (engine == null) {
			return this.delegate.call(prompt);
		}
		LlmGuardContext sending = ModelRequests.current();
		if (sending != null) {
			return send(prompt, sending); // the advisor admitted this request and counts its usage
		}
		LlmGuardContext outer = LlmGuardContext.find();
		if (outer != null && !outer.runsRequestsOnTheirOwn()) {
			return sendAndCount(prompt, outer);
		}
		ChatPrompts prompts = this.models.prompts();
		CallRequest call = (outer != null) ? prompts.figures(prompt).cacheKey(prompts.cacheKey(prompt, Map.of())).build()
				: prompts.resolve(prompt, this.provider, defaultModel(), Map.of());
		if (call == null) {
			return this.delegate.call(prompt);
		}
		try {
			return engine.executeRequest(call, context -> sendAndCount(prompt, context), fallback());
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

	private ChatResponse sendAndCount(Prompt prompt, LlmGuardContext context) {
		ChatResponse response = send(prompt, context);
		addUsage(context, this.usageExtractor.extract(response));
		return response;
	}

	private ChatResponse send(Prompt prompt, LlmGuardContext context) {
		ChatResponse response;
		try {
			if (this.provider.equals(context.provider()) || context.shadowed()) {
				response = this.delegate.call(ChatOptionsSupport.forAttempt(prompt, options(prompt), context, false));
			}
			else {
				ChatModel other = this.models.unguarded(context.provider());
				response = other.call(ChatOptionsSupport.forProvider(prompt, other, context, false));
			}
		}
		catch (RuntimeException ex) {
			SdkErrorHeaders.record(context, ex);
			throw ex;
		}
		recordRateLimits(context, response);
		return response;
	}

	/** What the answer told of the provider's rate limits goes to the call, for the guard to learn. */
	private void recordRateLimits(LlmGuardContext context, ChatResponse response) {
		LlmGuardEngine engine = this.models.engine();
		if (engine != null) {
			context.recordRateLimits(SpringAiRateLimits.of(response, engine.clock().instant()));
		}
	}

	// ---------------------------------------------------------------- stream

	Flux<ChatResponse> stream(Prompt prompt) {
		return Flux.deferContextual(reactorContext -> {
			LlmGuardEngine engine = this.models.engine();
			if (engine == null) {
				return this.delegate.stream(prompt);
			}
			LlmGuardContext sending = reactorContext.<LlmGuardContext>getOrEmpty(ModelRequests.KEY)
				.orElseGet(ModelRequests::current);
			if (sending != null) {
				return sendStream(prompt, sending);
			}
			LlmGuardContext outer = reactorContext.<LlmGuardContext>getOrEmpty(GuardedFlux.CONTEXT_KEY)
				.orElseGet(LlmGuardContext::find);
			if (outer != null && engine.requestsOf(outer) == null) {
				return sendStreamAndCount(prompt, outer);
			}
			ChatPrompts prompts = this.models.prompts();
			CallRequest call = (outer != null) ? prompts.figures(prompt).cacheKey(prompts.cacheKey(prompt, Map.of())).build()
					: prompts.resolve(prompt, this.provider, defaultModel(), Map.of());
			if (call == null) {
				return this.delegate.stream(prompt);
			}
			// the guarded stream settles from the chunks' usage
			return GuardedFlux.request(engine, call, context -> sendStream(prompt, context), fallback(),
					this.chunkReader);
		});
	}

	private Flux<ChatResponse> sendStreamAndCount(Prompt prompt, LlmGuardContext context) {
		return Flux.defer(() -> {
			Usage[] last = new Usage[1];
			return sendStream(prompt, context).doOnNext(chunk -> {
				Usage usage = this.usageExtractor.extract(chunk);
				if (usage != null) {
					last[0] = usage;
				}
			}).doOnComplete(() -> addUsage(context, last[0]));
		});
	}

	private Flux<ChatResponse> sendStream(Prompt prompt, LlmGuardContext context) {
		Flux<ChatResponse> chunks;
		if (this.provider.equals(context.provider()) || context.shadowed()) {
			chunks = this.delegate.stream(ChatOptionsSupport.forAttempt(prompt, options(prompt), context, true));
		}
		else {
			ChatModel other = this.models.unguarded(context.provider());
			chunks = other.stream(ChatOptionsSupport.forProvider(prompt, other, context, true));
		}
		return chunks.doOnNext((chunk) -> recordRateLimits(context, chunk))
			.doOnError((ex) -> SdkErrorHeaders.record(context, ex));
	}

	// ---------------------------------------------------------------- shared

	/** The options a request starts from: its own, else the model's defaults (as the model would). */
	private ChatOptions options(Prompt prompt) {
		return (prompt.getOptions() != null) ? prompt.getOptions() : this.delegate.getOptions();
	}

	private String defaultModel() {
		return Optional.ofNullable(this.delegate.getOptions()).map(ChatOptions::getModel).orElse(null);
	}

	/** Adds one request's usage to the call's (a call admitted outside may span several requests). */
	static void addUsage(LlmGuardContext context, Usage usage) {
		if (usage == null) {
			return;
		}
		Usage before = context.recordedUsage();
		context.recordUsage((before == null) ? usage : before.plus(usage));
	}

	private static FallbackResponseMapper<ChatResponse> fallback() {
		return new FallbackResponseMapper<>() {

			@Override
			public ChatResponse map(String text) {
				return GuardAnswers.fallbackResponse(text);
			}

			@Override
			public ChatResponse cached(String text) {
				return GuardAnswers.cachedChatResponse(text);
			}

		};
	}

	@Override
	public String toString() {
		return "llm-guard for provider '" + this.provider + "'";
	}

}

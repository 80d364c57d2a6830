package dev.llmguard.springai;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.content.Media;
import org.springframework.ai.content.MediaContent;
import org.springframework.ai.model.tool.ToolCallingChatOptions;
import org.springframework.ai.tool.ToolCallback;
import org.springframework.ai.tool.definition.ToolDefinition;
import org.springframework.format.datetime.standard.DurationFormatterUtils;

import dev.llmguard.core.CallRequest;
import dev.llmguard.core.LlmGuardEngine;
import dev.llmguard.core.config.ChainSpec;
import dev.llmguard.core.config.ProviderSpec;
import dev.llmguard.core.model.ModelRef;
import dev.llmguard.core.model.Priority;
import dev.llmguard.core.token.ImageSize;
import dev.llmguard.core.token.ImageTokens;
import dev.llmguard.core.token.TokenEstimator;
import dev.llmguard.core.token.TokenEstimators;
import dev.llmguard.core.token.ToolTokens;

/**
 * What the guard needs to know of a Spring AI prompt, for every Spring AI entry point (the advisor and
 * the guarded chat models): its figures and where it goes. The provider is always the client's;
 * the model name only picks a model of that provider.
 */
final class ChatPrompts {

	private static final Logger logger = LoggerFactory.getLogger(ChatPrompts.class);

	private static final int MAX_WARNED_MODELS = 64;

	private final LlmGuardEngine engine;

	/** Whether any chain keeps last answers: else no request needs a cache key. */
	private final boolean anyCache;

	// model names come from code and configuration, still capped
	private final Set<String> warnedModels = ConcurrentHashMap.newKeySet();

	ChatPrompts(LlmGuardEngine engine) {
		this.engine = engine;
		this.anyCache = engine.settings().chains().values().stream().anyMatch((chain) -> chain.cache() != null);
	}

	/**
	 * The key of a request's answer in its chain's cache of last answers: the {@link LlmGuardAdvisor#CACHE_KEY}
	 * parameter, else a SHA-256 digest of the prompt's messages (their types and texts), so the request
	 * never carries the prompt itself; {@code null} when no chain keeps answers.
	 */
	String cacheKey(Prompt prompt, Map<String, Object> params) {
		String given = text(params.get(LlmGuardAdvisor.CACHE_KEY));
		if (given != null) {
			return "key:" + given;
		}
		if (!this.anyCache) {
			return null;
		}
		try {
			MessageDigest digest = MessageDigest.getInstance("SHA-256");
			for (Message message : prompt.getInstructions()) {
				digest.update(message.getMessageType().getValue().getBytes(StandardCharsets.UTF_8));
				digest.update((byte) 0);
				String text = message.getText();
				digest.update(((text != null) ? text : "").getBytes(StandardCharsets.UTF_8));
				digest.update((byte) 0);
			}
			return "messages:" + HexFormat.of().formatHex(digest.digest());
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException("every Java platform has SHA-256", ex);
		}
	}

	/** The request's own figures: its estimated input tokens and the max output tokens it asks for. */
	CallRequest.Builder figures(Prompt prompt) {
		return CallRequest.builder()
			.estimatedInputTokens(estimateInput(prompt))
			.maxOutputTokens(ChatOptionsSupport.maxOutputTokens(prompt.getOptions()));
	}

	/**
	 * Where a request goes: the chain named in the parameters; else the requested model of the client's
	 * provider, going on down the {@code default} chain when that chain lists it; a model the provider
	 * does not configure is guarded alone under the provider's limits (one WARN), never rewritten.
	 * @param provider the client's provider (configured)
	 * @param defaultModel the model the client uses when the prompt names none, or {@code null}
	 * @param params the advisor parameters ({@link LlmGuardAdvisor#CHAIN} and the others), maybe empty
	 * @return the call, or {@code null} when the request names no model and nothing says which to use
	 */
	CallRequest resolve(Prompt prompt, String provider, String defaultModel, Map<String, Object> params) {
		CallRequest.Builder call = figures(prompt).tenant(text(params.get(LlmGuardAdvisor.TENANT)))
			.session(text(params.get(LlmGuardAdvisor.SESSION)))
			.priority(Priority.parse(params.get(LlmGuardAdvisor.PRIORITY),
					"Advisor parameter " + LlmGuardAdvisor.PRIORITY))
			.maxWait(duration(params.get(LlmGuardAdvisor.MAX_WAIT)))
			.maxTotalTime(duration(params.get(LlmGuardAdvisor.MAX_TOTAL_TIME)))
			.cacheKey(cacheKey(prompt, params));
		String chainName = text(params.get(LlmGuardAdvisor.CHAIN));
		if (chainName != null) {
			return call.chain(chainName).build();
		}
		String modelName = ChatOptionsSupport.model(prompt.getOptions());
		if (modelName == null) {
			modelName = defaultModel;
		}
		if (modelName == null) {
			ProviderSpec spec = this.engine.settings().providers().get(provider);
			if (spec != null && spec.models().size() == 1) {
				return call.model(new ModelRef(provider, spec.models().keySet().iterator().next())).build();
			}
			warn(provider, null);
			return null;
		}
		ModelRef model = new ModelRef(provider, modelName);
		if (this.engine.settings().model(model).isEmpty()) {
			warn(provider, modelName);
			return call.model(model).build();
		}
		ChainSpec chain = this.engine.routing().defaultChainFrom(model);
		return call.model(model).chain((chain != null) ? chain.name() : null).build();
	}

	private void warn(String provider, String modelName) {
		String key = provider + "/" + modelName;
		if (this.warnedModels.size() >= MAX_WARNED_MODELS || !this.warnedModels.add(key)) {
			return;
		}
		if (modelName == null) {
			logger.warn("llm-guard: requests to provider '" + provider + "' that name no model are not guarded: "
					+ "set the model in the ChatModel's options, or list one model under llm.guard.providers."
					+ provider + ".models");
		}
		else {
			logger.warn("llm-guard: model '" + modelName + "' is not configured under llm.guard.providers." + provider
					+ ".models; its requests are guarded under provider '" + provider
					+ "' limits at default prices and are never sent to another model; configure the model to "
					+ "give it prices and limits, or add it to a chain");
		}
	}

	/**
	 * The prompt's tokens as the provider bills them: each message counted on its own (text joined
	 * across messages tokenizes differently) plus the chat framing of the messages.
	 */
	long estimateInput(Prompt prompt) {
		TokenEstimator estimator = this.engine.estimator();
		List<Message> messages = prompt.getInstructions();
		String model = ChatOptionsSupport.model(prompt.getOptions());
		long tokens = TokenEstimators.chatFraming(messages.size());
		for (Message message : messages) {
			tokens += estimator.estimate(message.getText());
			if (message instanceof MediaContent content) {
				for (Media media : content.getMedia()) {
					tokens += imageTokens(media, model);
				}
			}
		}
		return tokens + toolTokens(prompt.getOptions(), estimator);
	}

	/**
	 * An image as the providers bill it: by its size where its bytes are at hand, else the most an
	 * image can cost; the higher of OpenAI's and Anthropic's rules, since a chain may cross providers.
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
	private static long toolTokens(ChatOptions chatOptions, TokenEstimator estimator) {
		if (!(chatOptions instanceof ToolCallingChatOptions options)) {
			return 0;
		}
		List<ToolCallback> callbacks = options.getToolCallbacks();
		if (callbacks == null || callbacks.isEmpty()) {
			return 0;
		}
		long tokens = Math.max(ToolTokens.OPENAI_REQUEST_OVERHEAD, ToolTokens.ANTHROPIC_REQUEST_OVERHEAD);
		for (ToolCallback callback : callbacks) {
			ToolDefinition definition = callback.getToolDefinition();
			tokens += ToolTokens.definition(estimator, definition.name(), definition.description(),
					definition.inputSchema());
		}
		return tokens;
	}

	static String text(Object value) {
		return (value != null) ? value.toString() : null;
	}

	private static Duration duration(Object value) {
		if (value == null || value instanceof Duration) {
			return (Duration) value;
		}
		return DurationFormatterUtils.detectAndParse(value.toString());
	}

}

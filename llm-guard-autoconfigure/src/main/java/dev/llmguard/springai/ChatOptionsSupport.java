package dev.llmguard.springai;

import java.lang.reflect.Method;

import org.springframework.ai.chat.client.ChatClientRequest;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.model.tool.ToolCallingChatOptions;
import org.springframework.util.ReflectionUtils;

import dev.llmguard.core.LlmGuardContext;

/**
 * Reads and rewrites the options of a Spring AI request without depending on any provider module:
 * provider-specific options (OpenAI's {@code max_completion_tokens} and stream usage) are reached by
 * their method names, so every provider keeps working and OpenAI gets the extra care.
 */
final class ChatOptionsSupport {

	private ChatOptionsSupport() {
	}

	/** The model the request names, or {@code null}. */
	static String model(ChatClientRequest request) {
		return model(request.prompt().getOptions());
	}

	/** The model the options name, or {@code null}. */
	static String model(ChatOptions options) {
		return (options != null) ? options.getModel() : null;
	}

	/** The request's output allowance: max tokens, else OpenAI's max completion tokens, else {@code null}. */
	static Integer maxOutputTokens(ChatClientRequest request) {
		return maxOutputTokens(request.prompt().getOptions());
	}

	/** The options' output allowance: max tokens, else OpenAI's max completion tokens, else {@code null}. */
	static Integer maxOutputTokens(ChatOptions options) {
		if (options == null) {
			return null;
		}
		Integer maxTokens = positive(options.getMaxTokens());
		if (maxTokens != null) {
			return maxTokens;
		}
		return positive(asInteger(invoke(options, "getMaxCompletionTokens")));
	}

	private static Integer positive(Integer tokens) {
		return (tokens != null && tokens > 0) ? tokens : null;
	}

	/**
	 * The request as the guard sends it: the chosen model and an output allowance no higher than the one
	 * reserved, every other option kept. A request without max tokens gets the reserved allowance (OpenAI
	 * options as max completion tokens, which every OpenAI chat model accepts); one asking more is
	 * lowered to it, so the worst case reserved is the worst case the provider can bill.
	 * @param streaming whether the request is streamed: then ask for the final usage chunk where the
	 * options know how (OpenAI's {@code stream_options.include_usage})
	 */
	static ChatClientRequest forAttempt(ChatClientRequest request, LlmGuardContext context, boolean streaming) {
		Prompt prompt = request.prompt();
		Prompt sent = forAttempt(prompt, prompt.getOptions(), context, streaming);
		return (sent == prompt) ? request : request.mutate().prompt(sent).build();
	}

	/**
	 * The prompt as the guard sends it, like {@link #forAttempt(ChatClientRequest, LlmGuardContext, boolean)}.
	 * @param options the options to start from: the prompt's, else the chat model's defaults
	 * @return the prompt itself when nothing changes
	 */
	static Prompt forAttempt(Prompt prompt, ChatOptions options, LlmGuardContext context, boolean streaming) {
		if (context.shadowed()) {
			return prompt; // shadow mode: the request leaves as the application built it
		}
		String model = context.model();
		int allowance = (int) Math.min(Integer.MAX_VALUE, context.maxOutputTokens());
		boolean sameModel = options != null && model.equals(options.getModel());
		boolean askUsage = streaming && options != null && streamUsageSwitchedOff(options);
		Integer completion = (options != null) ? positive(asInteger(invoke(options, "getMaxCompletionTokens"))) : null;
		Integer maxTokens = (options != null) ? positive(options.getMaxTokens()) : null;
		Integer asked = (completion != null) ? completion : maxTokens;
		boolean withinAllowance = asked != null && asked <= allowance;
		if (sameModel && !askUsage && withinAllowance && options == prompt.getOptions()) {
			return prompt;
		}
		ChatOptions.Builder<?> builder = (options != null) ? options.mutate() : ChatOptions.builder();
		builder.model(model);
		if (!withinAllowance) {
			Method completionSetter = ReflectionUtils.findMethod(builder.getClass(), "maxCompletionTokens", Integer.class);
			if (completionSetter != null && (completion != null || maxTokens == null)) {
				ReflectionUtils.invokeMethod(completionSetter, builder, allowance);
			}
			else {
				builder.maxTokens(allowance);
			}
		}
		if (askUsage) {
			Method streamUsage = ReflectionUtils.findMethod(builder.getClass(), "streamUsage", boolean.class);
			if (streamUsage != null) {
				ReflectionUtils.invokeMethod(streamUsage, builder, true);
			}
		}
		return prompt.mutate().chatOptions(builder.build()).build();
	}

	/**
	 * The prompt for another provider's chat model, when a chain moves on to that provider: the same
	 * messages (system prompt included) over that model's own default options, with the portable parts
	 * of the request (max tokens, temperature, top-p, stop sequences, tools and their context), the
	 * chosen model and the reserved allowance. Options only one provider understands stay behind.
	 */
	static Prompt forProvider(Prompt prompt, ChatModel target, LlmGuardContext context, boolean streaming) {
		ChatOptions from = prompt.getOptions();
		ChatOptions defaults = target.getOptions();
		ChatOptions.Builder<?> builder = (defaults != null) ? defaults.mutate() : ChatOptions.builder();
		if (from != null) {
			if (from.getTemperature() != null) {
				builder.temperature(from.getTemperature());
			}
			if (from.getTopP() != null) {
				builder.topP(from.getTopP());
			}
			if (from.getStopSequences() != null && !from.getStopSequences().isEmpty()) {
				builder.stopSequences(from.getStopSequences());
			}
			Integer asked = maxOutputTokens(from);
			if (asked != null) {
				builder.maxTokens(asked);
			}
			if (from instanceof ToolCallingChatOptions tools && builder instanceof ToolCallingChatOptions.Builder<?> to) {
				if (tools.getToolCallbacks() != null && !tools.getToolCallbacks().isEmpty()) {
					to.toolCallbacks(tools.getToolCallbacks());
				}
				if (tools.getToolContext() != null && !tools.getToolContext().isEmpty()) {
					to.toolContext(tools.getToolContext());
				}
			}
		}
		builder.model(context.model());
		return forAttempt(prompt, builder.build(), context, streaming);
	}

	private static Integer asInteger(Object value) {
		return (value instanceof Integer integer) ? integer : null;
	}

	static ChatClientRequest withOptions(ChatClientRequest request, ChatOptions options) {
		Prompt prompt = request.prompt().mutate().chatOptions(options).build();
		return request.mutate().prompt(prompt).build();
	}

	/**
	 * Whether the options carry OpenAI stream options that do not include usage (without stream
	 * options OpenAI's model asks for usage by itself).
	 */
	private static boolean streamUsageSwitchedOff(ChatOptions options) {
		Object streamOptions = invoke(options, "getStreamOptions");
		if (streamOptions == null) {
			return false;
		}
		return !Boolean.TRUE.equals(invoke(streamOptions, "includeUsage"));
	}

	private static Object invoke(Object target, String getter) {
		Method method = ReflectionUtils.findMethod(target.getClass(), getter);
		if (method == null || method.getParameterCount() != 0) {
			return null;
		}
		try {
			ReflectionUtils.makeAccessible(method);
			return method.invoke(target);
		}
		catch (ReflectiveOperationException | RuntimeException ex) {
			return null; // an unexpected options class: treat the value as absent
		}
	}

}

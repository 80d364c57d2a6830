package dev.llmguard.sample.chat;

import java.math.BigDecimal;

import dev.llmguard.core.LlmGuard;
import dev.llmguard.core.LlmGuardContext;
import dev.llmguard.core.model.ModelRef;
import dev.llmguard.core.model.Money;
import dev.llmguard.core.model.Usage;
import dev.llmguard.core.pricing.PricingCatalog;

import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.openai.OpenAiChatOptions;
import org.springframework.stereotype.Component;

/**
 * The one place that talks to the LLM, always from inside a guarded call: it sends the request to the
 * model the guard chose, with the output allowance the guard reserved, and reports the provider's
 * usage back so budgets and buckets settle on real numbers.
 */
@Component
public class AssistantModel {

	private final ChatClient chat;

	private final PricingCatalog pricing;

	AssistantModel(ChatClient.Builder builder, LlmGuard guard) {
		this.chat = builder.build();
		this.pricing = guard.engine().pricing();
	}

	/**
	 * Asks the chosen model.
	 * @param context the guarded call in progress
	 * @param instructions the system message
	 * @param text the user message
	 * @return the answer, its usage and its exact cost
	 */
	public Reply complete(LlmGuardContext context, String instructions, String text) {
		ChatResponse response = this.chat.prompt()
			.system(instructions)
			.user(text)
			.options(OpenAiChatOptions.builder()
				.model(context.model())
				.maxTokens(Math.toIntExact(context.maxOutputTokens())))
			.call()
			.chatResponse();
		Usage usage = usageOf(response);
		if (usage != null) {
			context.recordUsage(usage);
		}
		else {
			usage = Usage.ZERO; // the guard settles with its estimate and counts it as estimated
		}
		String content = (response != null && response.getResult() != null)
				? response.getResult().getOutput().getText() : "";
		// the ChatClient's request is retried and failed over on its own: the model that answered is the
		// response's, which may be a later model of the chain than the one this call was admitted on
		if (context.cachedResponse()) {
			return new Reply(null, content, Usage.ZERO, BigDecimal.ZERO, true);
		}
		ModelRef answered = answeredBy(response, context);
		long costNanos = this.pricing.costNanos(answered, usage);
		return new Reply(answered.model(), content, usage, Money.toUsd(costNanos), false);
	}

	private static ModelRef answeredBy(ChatResponse response, LlmGuardContext context) {
		String model = (response != null && response.getMetadata() != null) ? response.getMetadata().getModel() : null;
		return (model != null && !model.isBlank()) ? new ModelRef(context.provider(), model) : context.modelRef();
	}

	private static Usage usageOf(ChatResponse response) {
		if (response == null || response.getMetadata() == null || response.getMetadata().getUsage() == null) {
			return null;
		}
		var usage = response.getMetadata().getUsage();
		if (usage.getPromptTokens() == null && usage.getCompletionTokens() == null) {
			return null;
		}
		long input = (usage.getPromptTokens() != null) ? usage.getPromptTokens() : 0;
		long output = (usage.getCompletionTokens() != null) ? usage.getCompletionTokens() : 0;
		long cached = (usage.getCacheReadInputTokens() != null) ? usage.getCacheReadInputTokens() : 0;
		return new Usage(input, output, cached);
	}

	/**
	 * What a model answered.
	 *
	 * @param model the model's name
	 * @param content the answer text
	 * @param usage tokens the provider reported
	 * @param costUsd the exact cost of those tokens
	 * @param cached whether every model failed and the chain's cached last answer stood in
	 */
	public record Reply(String model, String content, Usage usage, BigDecimal costUsd, boolean cached) {
	}

}

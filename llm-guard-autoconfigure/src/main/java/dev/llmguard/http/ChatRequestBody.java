package dev.llmguard.http;

import java.util.Collection;
import java.util.List;

import tools.jackson.databind.node.ObjectNode;

import dev.llmguard.core.token.ImageTokens;
import dev.llmguard.core.token.TokenEstimator;
import dev.llmguard.core.token.TokenEstimators;
import dev.llmguard.core.token.ToolTokens;

/**
 * A chat request the RestClient guard understands, read from its JSON body.
 *
 * @param api the API it was sent to
 * @param json the parsed body
 * @param model the requested model
 * @param maxOutputTokens the body's output limit per choice, or {@code null} when it sets none
 * @param choices how many answers it asks for ({@code n}, 1 for APIs without it)
 * @param promptText the text the provider reads: system prompt, messages, tool calls and their
 * results, a response schema
 * @param messages how many messages (a separate system prompt or instructions counted as one)
 * @param tools the tool definitions
 * @param images the images of the messages
 */
record ChatRequestBody(ChatApi api, ObjectNode json, String model, Integer maxOutputTokens, int choices,
		String promptText, int messages, List<Tool> tools, List<Image> images) {

	ChatRequestBody {
		tools = List.copyOf(tools);
		images = List.copyOf(images);
	}

	/**
	 * The input tokens the provider can bill: the text, the framing of the messages, the tool
	 * definitions and the images, each image at the most it costs on any of the models the call may
	 * be sent to.
	 * @param estimator counts the tokens of text
	 * @param models the models the call may use (a chain's models from the requested one on)
	 * @return the estimate
	 */
	long inputTokens(TokenEstimator estimator, Collection<String> models) {
		long tokens = estimator.estimate(this.promptText) + TokenEstimators.chatFraming(this.messages);
		if (!this.tools.isEmpty()) {
			tokens += this.api.isAnthropic() ? ToolTokens.ANTHROPIC_REQUEST_OVERHEAD
					: ToolTokens.OPENAI_REQUEST_OVERHEAD;
			for (Tool tool : this.tools) {
				tokens += ToolTokens.definition(estimator, tool.name(), tool.description(), tool.schema());
			}
		}
		for (Image image : this.images) {
			long most = 0;
			for (String model : models) {
				long cost = this.api.isAnthropic() ? ImageTokens.anthropic(image.width(), image.height())
						: ImageTokens.openAi(model, image.width(), image.height(), image.detail());
				most = Math.max(most, cost);
			}
			tokens += most;
		}
		return tokens;
	}

	/**
	 * The output the body asks for, all choices together.
	 * @return the tokens, or {@code null} when the body sets no limit (the guard then reserves the
	 * model's allowance)
	 */
	Integer requestedOutputTokens() {
		if (this.maxOutputTokens == null) {
			return null;
		}
		return (int) Math.min(Integer.MAX_VALUE, (long) this.maxOutputTokens * this.choices);
	}

	/**
	 * The output limit per choice that keeps all choices together within an allowance.
	 * @param allowance the output tokens reserved for the attempt
	 * @return the limit to write into the body, at least 1
	 */
	long outputLimit(long allowance) {
		return Math.max(1, allowance / this.choices);
	}

	/**
	 * A tool definition.
	 *
	 * @param name its name, or {@code null}
	 * @param description its description, or {@code null}
	 * @param schema its parameter schema as JSON, or the whole definition for tools of other shapes
	 */
	record Tool(String name, String description, String schema) {
	}

	/**
	 * An image of the prompt.
	 *
	 * @param width its width in pixels, {@code null} when unknown (an image given by URL)
	 * @param height its height in pixels, {@code null} when unknown
	 * @param detail OpenAI's {@code detail}, or {@code null}
	 */
	record Image(Integer width, Integer height, String detail) {
	}

}

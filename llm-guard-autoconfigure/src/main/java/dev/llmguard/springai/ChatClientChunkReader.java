package dev.llmguard.springai;

import org.springframework.ai.chat.model.ChatResponse;

import dev.llmguard.core.model.Usage;
import dev.llmguard.reactive.ChunkReader;

/** Reads streamed Spring AI chunks: their text, and the usage of the final chunk. */
final class ChatClientChunkReader implements ChunkReader {

	private final SpringAiUsageExtractor usage = new SpringAiUsageExtractor();

	@Override
	public String text(Object chunk) {
		ChatResponse response = SpringAiUsageExtractor.chatResponseOf(chunk);
		if (response == null || response.getResult() == null) {
			return ChunkReader.super.text(chunk);
		}
		return response.getResult().getOutput().getText();
	}

	@Override
	public Usage usage(Object chunk) {
		return this.usage.extract(chunk);
	}

}

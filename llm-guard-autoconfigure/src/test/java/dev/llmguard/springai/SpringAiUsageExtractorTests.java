package dev.llmguard.springai;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.client.ChatClientResponse;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.metadata.ChatResponseMetadata;
import org.springframework.ai.chat.metadata.DefaultUsage;
import org.springframework.ai.chat.metadata.EmptyUsage;
import org.springframework.ai.chat.metadata.Usage;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;

import static org.assertj.core.api.Assertions.assertThat;

class SpringAiUsageExtractorTests {

	private final SpringAiUsageExtractor extractor = new SpringAiUsageExtractor();

	private static ChatResponse response(Usage usage) {
		ChatResponseMetadata.Builder metadata = ChatResponseMetadata.builder();
		if (usage != null) {
			metadata.usage(usage);
		}
		return new ChatResponse(List.of(new Generation(new AssistantMessage("hi"))), metadata.build());
	}

	@Test
	void readsPromptAndCompletionTokens() {
		assertThat(this.extractor.extract(response(new DefaultUsage(120, 30))))
			.isEqualTo(new dev.llmguard.core.model.Usage(120, 30));
	}

	@Test
	void readsCachedInputTokens() {
		DefaultUsage usage = new DefaultUsage(1000, 20, 1020, null, 800L, null);
		assertThat(this.extractor.extract(response(usage))).isEqualTo(new dev.llmguard.core.model.Usage(1000, 20, 800));
	}

	@Test
	void promptTokensOfAUsageReportingCacheWritesLeaveTheCacheOut() {
		// Anthropic's and Bedrock's convention: prompt tokens without cache reads and writes
		DefaultUsage usage = new DefaultUsage(21, 393, 414, null, 100L, 188_086L);
		assertThat(this.extractor.extract(response(usage)))
			.isEqualTo(new dev.llmguard.core.model.Usage(21 + 100 + 188_086, 393, 100, 188_086, 0));
	}

	@Test
	void readsTheChatResponseInsideAChatClientResponse() {
		ChatClientResponse response = new ChatClientResponse(response(new DefaultUsage(7, 3)), Map.of());
		assertThat(this.extractor.extract(response)).isEqualTo(new dev.llmguard.core.model.Usage(7, 3));
	}

	@Test
	void responseWithoutUsageHasNone() {
		assertThat(this.extractor.extract(response(null))).isNull();
		assertThat(this.extractor.extract(response(new EmptyUsage()))).isNull();
		assertThat(this.extractor.extract(response(new DefaultUsage(0, 0)))).isNull();
		assertThat(this.extractor.extract(response(new DefaultUsage(null, null)))).isNull();
	}

	@Test
	void otherResultsAreNotRead() {
		assertThat(this.extractor.extract("text")).isNull();
		assertThat(this.extractor.extract(new ChatClientResponse(null, Map.of()))).isNull();
	}

}

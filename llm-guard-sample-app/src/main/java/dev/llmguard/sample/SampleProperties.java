package dev.llmguard.sample;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How the sample's endpoints call the model ({@code sample.*}).
 *
 * @param chat the {@code /api/chat} endpoint
 * @param batch the {@code /api/batch/summarize} endpoint
 */
@ConfigurationProperties("sample")
public record SampleProperties(@DefaultValue Chat chat, @DefaultValue Batch batch) {

	/**
	 * @param chain the llm-guard chain answering chat prompts
	 * @param maxOutputTokens output allowance of one answer; what budgets reserve as worst case
	 */
	public record Chat(@DefaultValue("default") String chain, @DefaultValue("64") int maxOutputTokens) {
	}

	/**
	 * @param chain the llm-guard chain summarising documents
	 * @param priority priority of batch calls, 1 (most urgent) to 10
	 * @param maxOutputTokens output allowance of one summary
	 * @param maxWait longest wait for capacity per document; a document that cannot get it is skipped
	 */
	public record Batch(@DefaultValue("default") String chain, @DefaultValue("8") int priority,
			@DefaultValue("128") int maxOutputTokens, @DefaultValue("0s") Duration maxWait) {
	}

}

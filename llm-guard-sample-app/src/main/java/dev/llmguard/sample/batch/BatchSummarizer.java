package dev.llmguard.sample.batch;

import java.util.ArrayList;
import java.util.List;

import dev.llmguard.core.CallRequest;
import dev.llmguard.core.FallbackResponseMapper;
import dev.llmguard.core.LlmGuard;
import dev.llmguard.core.LlmGuardException;
import dev.llmguard.sample.SampleProperties;
import dev.llmguard.sample.chat.AssistantModel;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;

/**
 * Summarises documents one guarded call each, at low priority and under one session budget. A
 * document the guard refuses (session cap spent, no capacity in the rate window right now) is skipped
 * with the guard's reason; the batch goes on with the next one, which may be smaller.
 */
@Service
public class BatchSummarizer {

	private static final Logger logger = LoggerFactory.getLogger(BatchSummarizer.class);

	private static final String INSTRUCTIONS = "Summarise the document in two sentences.";

	private final LlmGuard guard;

	private final AssistantModel model;

	private final SampleProperties.Batch settings;

	BatchSummarizer(LlmGuard guard, AssistantModel model, SampleProperties properties) {
		this.guard = guard;
		this.model = model;
		this.settings = properties.batch();
	}

	/**
	 * Summarises every document the guard lets through.
	 * @param request a validated request
	 * @return how many were summarised and why the others were skipped
	 */
	public BatchReport summarize(BatchRequest request) {
		int completed = 0;
		List<String> reasons = new ArrayList<>();
		for (String document : request.documents()) {
			CallRequest call = this.guard.request()
				.chain(this.settings.chain())
				.session(request.session())
				.priority(this.settings.priority())
				.prompt(document)
				.maxOutputTokens(this.settings.maxOutputTokens())
				.maxWait(this.settings.maxWait())
				.build();
			try {
				// no fallback response: a canned text is no summary, the document counts as skipped
				this.guard.call(call, (context) -> this.model.complete(context, INSTRUCTIONS, document),
						FallbackResponseMapper.none());
				completed++;
			}
			catch (LlmGuardException ex) {
				logger.debug("Batch document skipped: {}", ex.code());
				reasons.add(ex.code());
			}
		}
		return new BatchReport(completed, reasons.size(), List.copyOf(reasons));
	}

}

package dev.llmguard.sample.batch;

import jakarta.validation.Valid;

import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code POST /api/batch/summarize}. */
@RestController
@RequestMapping("/api/batch")
class BatchController {

	private final BatchSummarizer summarizer;

	BatchController(BatchSummarizer summarizer) {
		this.summarizer = summarizer;
	}

	@PostMapping("/summarize")
	BatchReport summarize(@Valid @RequestBody BatchRequest request) {
		return this.summarizer.summarize(request);
	}

}

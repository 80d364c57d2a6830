package dev.llmguard.sample.batch;

import java.util.List;

/**
 * What a batch did.
 *
 * @param completed documents summarised
 * @param skipped documents the guard refused
 * @param reasons why, one entry per skipped document in document order: {@code budget_exceeded},
 * {@code rate_limited}, …
 */
public record BatchReport(int completed, int skipped, List<String> reasons) {
}

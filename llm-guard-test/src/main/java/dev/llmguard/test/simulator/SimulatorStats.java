package dev.llmguard.test.simulator;

/**
 * What a {@link ProviderSimulator} has answered since it started or was last reset. Served as JSON
 * by {@code GET /stats} with the same member names.
 * <p>
 * Every call to {@code /v1/chat/completions}, {@code /v1/responses} or {@code /v1/messages} counts as
 * one request, and ends
 * as exactly one of succeeded (200), rate limited (429) or failed (400, 405, 5xx); calls to other
 * paths are not counted. Tokens count
 * only for successful answers: input tokens are the prompt's, output tokens are those written to
 * the client; a stream the client abandons counts the chunks written before the write failed.
 *
 * @param requests calls to the chat endpoints
 * @param succeeded calls answered with 200
 * @param rateLimited calls answered with 429
 * @param failed calls answered with any other error
 * @param inputTokens prompt tokens of the successful calls
 * @param outputTokens answer tokens written by the successful calls
 */
public record SimulatorStats(long requests, long succeeded, long rateLimited, long failed, long inputTokens,
		long outputTokens) {

	/** No calls at all. */
	public static final SimulatorStats EMPTY = new SimulatorStats(0, 0, 0, 0, 0, 0);

}

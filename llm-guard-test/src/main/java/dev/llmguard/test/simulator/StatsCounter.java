package dev.llmguard.test.simulator;

import java.util.concurrent.atomic.LongAdder;

/**
 * Thread-safe counters behind {@link SimulatorStats}, one instance per period between resets.
 */
final class StatsCounter {

	private final LongAdder requests = new LongAdder();

	private final LongAdder succeeded = new LongAdder();

	private final LongAdder rateLimited = new LongAdder();

	private final LongAdder failed = new LongAdder();

	private final LongAdder inputTokens = new LongAdder();

	private final LongAdder outputTokens = new LongAdder();

	void request() {
		this.requests.increment();
	}

	void succeeded(long promptTokens) {
		this.succeeded.increment();
		this.inputTokens.add(promptTokens);
	}

	void output(long tokens) {
		this.outputTokens.add(tokens);
	}

	void rateLimited() {
		this.rateLimited.increment();
	}

	void failed() {
		this.failed.increment();
	}

	SimulatorStats snapshot() {
		return new SimulatorStats(this.requests.sum(), this.succeeded.sum(), this.rateLimited.sum(),
				this.failed.sum(), this.inputTokens.sum(), this.outputTokens.sum());
	}

}

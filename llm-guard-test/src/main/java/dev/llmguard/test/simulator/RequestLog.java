package dev.llmguard.test.simulator;

import java.util.ArrayDeque;
import java.util.List;

/**
 * The last requests the simulator received, oldest first; bounded so a long run keeps no more than
 * {@link #CAPACITY} of them.
 */
final class RequestLog {

	static final int CAPACITY = 100;

	private final ArrayDeque<ReceivedRequest> requests = new ArrayDeque<>(CAPACITY);

	synchronized void add(ReceivedRequest request) {
		if (this.requests.size() == CAPACITY) {
			this.requests.removeFirst();
		}
		this.requests.addLast(request);
	}

	synchronized List<ReceivedRequest> snapshot() {
		return List.copyOf(this.requests);
	}

	synchronized void clear() {
		this.requests.clear();
	}

}

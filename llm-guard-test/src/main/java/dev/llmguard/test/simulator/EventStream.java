package dev.llmguard.test.simulator;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Writes server-sent events and remembers how many answer tokens reached the connection, so an
 * abandoned stream is counted for the chunks written before the write failed.
 */
final class EventStream {

	private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);

	private static final byte[] EVENT = "event: ".getBytes(StandardCharsets.US_ASCII);

	private static final byte[] END = "\n\n".getBytes(StandardCharsets.US_ASCII);

	private final OutputStream out;

	private final Duration chunkDelay;

	private long writtenTokens;

	EventStream(OutputStream out, Duration chunkDelay) {
		this.out = out;
		this.chunkDelay = chunkDelay;
	}

	/**
	 * Writes one event and flushes it.
	 * @param name the event name, {@code null} for a bare {@code data:} line
	 * @param json the data
	 * @throws IOException when the client has gone
	 */
	void event(String name, byte[] json) throws IOException {
		if (name != null) {
			this.out.write(EVENT);
			this.out.write(name.getBytes(StandardCharsets.US_ASCII));
			this.out.write('\n');
		}
		this.out.write(DATA);
		this.out.write(json);
		this.out.write(END);
		this.out.flush();
	}

	/**
	 * Writes one event that carries answer tokens, after the configured chunk delay.
	 * @param name the event name, {@code null} for a bare {@code data:} line
	 * @param json the data
	 * @param tokens the answer tokens it carries
	 * @throws IOException when the client has gone
	 */
	void content(String name, byte[] json, int tokens) throws IOException {
		pause();
		event(name, json);
		this.writtenTokens += tokens;
	}

	/**
	 * Writes {@code data: [DONE]}.
	 * @throws IOException when the client has gone
	 */
	void done() throws IOException {
		event(null, "[DONE]".getBytes(StandardCharsets.US_ASCII));
	}

	long writtenTokens() {
		return this.writtenTokens;
	}

	private void pause() throws IOException {
		if (!this.chunkDelay.isZero()) {
			try {
				Thread.sleep(this.chunkDelay.toMillis());
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new IOException("Interrupted while streaming", ex);
			}
		}
	}

}

package dev.llmguard.core;

import dev.llmguard.core.model.Usage;

/**
 * What one try of an attempt did so far: whether its request may have left, whether it came back, and
 * what output it streamed. A caller who leaves (a cancelled future, a disposed subscription) races
 * with the try's own signals, hence the lock. Each try of an attempt has its own.
 */
final class Try {

	private boolean sent;

	private boolean returned;

	private boolean streamed;

	/** The streamed text; {@code null} until a chunk carried text. */
	private StringBuilder text;

	private Usage usage;

	private Object lastElement;

	synchronized void sending() {
		this.sent = true;
	}

	synchronized void returned() {
		this.returned = true;
	}

	synchronized void streamed(CharSequence chunk, Usage reported, Object element) {
		this.streamed = true;
		this.lastElement = element;
		if (chunk != null) {
			if (this.text == null) {
				this.text = new StringBuilder();
			}
			this.text.append(chunk);
		}
		if (reported != null) {
			this.usage = reported;
		}
	}

	/** The request may have left and has not come back: the provider may be processing (and billing) it. */
	synchronized boolean inFlight() {
		return this.sent && !this.returned;
	}

	synchronized boolean sent() {
		return this.sent;
	}

	synchronized boolean hasStreamed() {
		return this.streamed;
	}

	synchronized Usage usage() {
		return this.usage;
	}

	/** The streamed text so far, or {@code null} when no chunk carried text. */
	synchronized String text() {
		return (this.text != null) ? this.text.toString() : null;
	}

	synchronized Object lastElement() {
		return this.lastElement;
	}

}

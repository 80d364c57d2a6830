package dev.llmguard.autoconfigure;

/** Events kept for the {@code llmguardevents} actuator endpoint ({@code llm.guard.events.*}). */
public class EventsProperties {

	/** How many of the latest events are kept in memory (oldest dropped first). */
	private int bufferSize = 200;

	public int getBufferSize() {
		return this.bufferSize;
	}

	public void setBufferSize(int bufferSize) {
		this.bufferSize = bufferSize;
	}

}

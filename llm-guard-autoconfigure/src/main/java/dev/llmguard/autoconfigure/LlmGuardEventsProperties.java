package dev.llmguard.autoconfigure;

import org.springframework.boot.context.properties.ConfigurationProperties;

import dev.llmguard.actuate.GuardEventBuffer;

/**
 * Settings of the {@code llmguardevents} actuator endpoint ({@code llm.guard.events.*}).
 */
@ConfigurationProperties("llm.guard.events")
public class LlmGuardEventsProperties {

	/**
	 * How many of the latest notable events (rejections, long waits, retries, fallbacks, cooldowns,
	 * budget warnings) the llmguardevents endpoint keeps; older ones are dropped.
	 */
	private int bufferSize = GuardEventBuffer.DEFAULT_SIZE;

	public int getBufferSize() {
		return this.bufferSize;
	}

	public void setBufferSize(int bufferSize) {
		this.bufferSize = bufferSize;
	}

}

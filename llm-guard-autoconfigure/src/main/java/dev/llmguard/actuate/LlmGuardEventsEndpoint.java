package dev.llmguard.actuate;

import java.lang.reflect.RecordComponent;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.springframework.boot.actuate.endpoint.OperationResponseBody;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

import dev.llmguard.core.event.GuardEvent;
import dev.llmguard.core.model.Usage;

/**
 * The {@code llmguardevents} endpoint: the latest notable events of the guard, newest first
 * (rejections, waits over one second, retries, fallbacks, cooldowns, circuit breaker changes, budget
 * warnings, backend failures), each with its time, type and fields.
 */
@Endpoint(id = "llmguardevents")
public class LlmGuardEventsEndpoint {

	private final GuardEventBuffer buffer;

	public LlmGuardEventsEndpoint(GuardEventBuffer buffer) {
		this.buffer = Objects.requireNonNull(buffer, "buffer");
	}

	@ReadOperation
	public EventsDescriptor events() {
		return new EventsDescriptor(this.buffer.latest().stream().map(LlmGuardEventsEndpoint::describe).toList());
	}

	static EventDescriptor describe(GuardEvent event) {
		Map<String, Object> fields = new LinkedHashMap<>();
		for (RecordComponent component : event.getClass().getRecordComponents()) {
			String name = component.getName();
			if (name.equals("time")) {
				continue;
			}
			Object value = value(event, component);
			if (name.equals("costNanos") && value instanceof Long nanos) {
				fields.put("cost", LlmGuardEndpoint.usd(nanos));
			}
			else if (name.equals("costNanosPerHour") && value instanceof Long nanos) {
				fields.put("costPerHour", LlmGuardEndpoint.usd(nanos));
			}
			else if (value != null) {
				fields.put(name, value);
			}
		}
		return new EventDescriptor(event.time(), event.type(), fields);
	}

	private static Object value(GuardEvent event, RecordComponent component) {
		Object value;
		try {
			value = component.getAccessor().invoke(event);
		}
		catch (ReflectiveOperationException ex) {
			throw new IllegalStateException("Cannot read " + component.getName() + " of " + event.type(), ex);
		}
		if (value instanceof Duration duration) {
			return duration.toString();
		}
		if (value instanceof Instant instant) {
			return instant.toString();
		}
		if (value instanceof Usage usage) {
			Map<String, Object> tokens = new LinkedHashMap<>();
			tokens.put("inputTokens", usage.inputTokens());
			tokens.put("outputTokens", usage.outputTokens());
			tokens.put("cachedInputTokens", usage.cachedInputTokens());
			tokens.put("cacheWriteInputTokens", usage.cacheWriteInputTokens());
			return tokens;
		}
		return value;
	}

	/**
	 * The body of {@code GET /actuator/llmguardevents}.
	 *
	 * @param events the latest events, newest first
	 */
	public record EventsDescriptor(List<EventDescriptor> events) implements OperationResponseBody {
	}

	/**
	 * One event.
	 *
	 * @param time when it happened
	 * @param type {@code rejected}, {@code wait}, {@code retry}, {@code fallback}, {@code cooldown},
	 * {@code circuit-breaker}, {@code budget-warning}, {@code tool-call}, {@code call-finished} or
	 * {@code backend-failure}
	 * @param fields what the event says: provider, model, reason, …
	 */
	public record EventDescriptor(Instant time, String type, Map<String, Object> fields) {
	}

}

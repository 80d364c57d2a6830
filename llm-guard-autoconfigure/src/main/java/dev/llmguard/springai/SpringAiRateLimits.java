package dev.llmguard.springai;

import java.lang.reflect.Method;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.ai.chat.metadata.ChatResponseMetadata;
import org.springframework.ai.chat.metadata.EmptyRateLimit;
import org.springframework.ai.chat.metadata.RateLimit;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;

import dev.llmguard.core.limit.ReportedLimits;

/**
 * Reads what a Spring AI {@link ChatResponse} tells of the provider's rate limits: its metadata's
 * {@link RateLimit} (requests and tokens), and with Anthropic's model the input and output tokens too.
 * Spring AI's Anthropic model fills it from the answer's {@code anthropic-ratelimit-*} headers; a
 * response without it ({@link EmptyRateLimit}) tells nothing.
 */
final class SpringAiRateLimits {

	// spring-ai-anthropic is optional
	private static final boolean ANTHROPIC_PRESENT = ClassUtils.isPresent(AnthropicSupport.TYPE,
			SpringAiRateLimits.class.getClassLoader());

	private SpringAiRateLimits() {
	}

	/**
	 * @param response a response or a chunk of a stream
	 * @param now when it came: resets are durations from then
	 * @return the report, or {@code null} when the response tells nothing
	 */
	static ReportedLimits of(ChatResponse response, Instant now) {
		ChatResponseMetadata metadata = (response != null) ? response.getMetadata() : null;
		RateLimit rateLimit = (metadata != null) ? metadata.getRateLimit() : null;
		if (rateLimit == null || rateLimit instanceof EmptyRateLimit) {
			return null;
		}
		Map<String, ReportedLimits.Reading> readings = new LinkedHashMap<>();
		put(readings, ReportedLimits.REQUESTS, rateLimit.getRequestsLimit(), rateLimit.getRequestsRemaining(),
				rateLimit.getRequestsReset(), now);
		put(readings, ReportedLimits.TOKENS, rateLimit.getTokensLimit(), rateLimit.getTokensRemaining(),
				rateLimit.getTokensReset(), now);
		if (ANTHROPIC_PRESENT) {
			AnthropicSupport.addInputAndOutput(rateLimit, readings, now);
		}
		return readings.isEmpty() ? null : new ReportedLimits(now, readings, null);
	}

	static void put(Map<String, ReportedLimits.Reading> readings, String kind, Long limit, Long remaining,
			Duration reset, Instant now) {
		Long knownLimit = (limit != null && limit > 0) ? limit : null;
		Long knownRemaining = (remaining != null && remaining >= 0 && knownLimit != null && remaining <= knownLimit)
				? remaining : null;
		if (knownLimit == null && knownRemaining == null) {
			return; // Spring AI reports what it could not read as null or 0
		}
		Instant resetsAt = (reset != null && !reset.isNegative()) ? now.plus(reset) : null;
		readings.put(kind, new ReportedLimits.Reading(knownLimit, knownRemaining, resetsAt));
	}

	/**
	 * Reads the input and output token limits of Spring AI's {@code AnthropicRateLimit} by its getters:
	 * spring-ai-anthropic is no compile dependency of the guard.
	 */
	private static final class AnthropicSupport {

		private static final String TYPE = "org.springframework.ai.anthropic.metadata.AnthropicRateLimit";

		static void addInputAndOutput(RateLimit rateLimit, Map<String, ReportedLimits.Reading> readings,
				Instant now) {
			if (!rateLimit.getClass().getName().equals(TYPE)) {
				return;
			}
			put(readings, ReportedLimits.INPUT_TOKENS, get(rateLimit, "getInputTokensLimit", Long.class),
					get(rateLimit, "getInputTokensRemaining", Long.class),
					get(rateLimit, "getInputTokensReset", Duration.class), now);
			put(readings, ReportedLimits.OUTPUT_TOKENS, get(rateLimit, "getOutputTokensLimit", Long.class),
					get(rateLimit, "getOutputTokensRemaining", Long.class),
					get(rateLimit, "getOutputTokensReset", Duration.class), now);
		}

		private static <T> T get(RateLimit rateLimit, String getter, Class<T> type) {
			Method method = ReflectionUtils.findMethod(rateLimit.getClass(), getter);
			Object value = (method != null) ? ReflectionUtils.invokeMethod(method, rateLimit) : null;
			return type.isInstance(value) ? type.cast(value) : null;
		}

	}

}

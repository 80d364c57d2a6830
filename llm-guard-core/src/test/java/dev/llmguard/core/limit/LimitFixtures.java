package dev.llmguard.core.limit;

import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

import dev.llmguard.core.config.ModelSpec;
import dev.llmguard.core.config.ProviderSpec;
import dev.llmguard.core.config.RateLimits;
import dev.llmguard.core.model.ModelRef;

/** Small builders and a bounded poll for the tests of this package. */
final class LimitFixtures {

	static final ModelRef GPT_4O = new ModelRef("openai", "gpt-4o");

	static final ModelRef GPT_4O_MINI = new ModelRef("openai", "gpt-4o-mini");

	static final int URGENT = 1;

	static final int NORMAL = 5;

	static final int LOW = 9;

	private LimitFixtures() {
	}

	static RateLimits limits(Long requestsPerMinute, Long tokensPerMinute, Long inputTokensPerMinute,
			Long outputTokensPerMinute, Long requestsPerDay, Long tokensPerDay) {
		return new RateLimits(requestsPerMinute, tokensPerMinute, inputTokensPerMinute, outputTokensPerMinute,
				requestsPerDay, tokensPerDay);
	}

	static RateLimits requestsPerMinute(long value) {
		return limits(value, null, null, null, null, null);
	}

	static RateLimits tokensPerMinute(long value) {
		return limits(null, value, null, null, null, null);
	}

	static ModelSpec model(ModelRef ref, RateLimits limits) {
		return new ModelSpec(ref, null, null, null, limits);
	}

	static ProviderSpec openai(RateLimits limits, Integer maxConcurrent, ModelSpec... models) {
		Map<String, ModelSpec> byName = Arrays.stream(models)
			.collect(Collectors.toMap((m) -> m.ref().model(), (m) -> m));
		return new ProviderSpec("openai", null, limits, maxConcurrent, Duration.ofSeconds(30), byName);
	}

	/** Polls a condition for up to ten real seconds; tests never measure how long it took. */
	static void eventually(BooleanSupplier condition, String what) {
		long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
		while (!condition.getAsBoolean()) {
			if (System.nanoTime() > deadline) {
				throw new AssertionError("timed out waiting until " + what);
			}
			Thread.onSpinWait();
			try {
				Thread.sleep(1);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new AssertionError("interrupted waiting until " + what);
			}
		}
	}

}

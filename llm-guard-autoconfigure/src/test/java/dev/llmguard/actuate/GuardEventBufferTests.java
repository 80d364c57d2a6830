package dev.llmguard.actuate;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

import dev.llmguard.core.event.GuardEvent;
import dev.llmguard.core.model.Usage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class GuardEventBufferTests {

	private static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");

	@Test
	void keepsTheLatestEventsNewestFirstAndDropsTheOldest() {
		GuardEventBuffer buffer = new GuardEventBuffer(3);
		for (int i = 0; i < 5; i++) {
			buffer.onEvent(retry(i));
		}

		assertThat(buffer.latest()).extracting((e) -> ((GuardEvent.Retried) e).attempt()).containsExactly(4, 3, 2);
	}

	@Test
	void keepsWhatNeedsAPersonButNotRoutineCalls() {
		GuardEventBuffer buffer = new GuardEventBuffer(10);
		buffer.onEvent(new GuardEvent.CallFinished(T0, "openai", "gpt-4o", "default", "success", new Usage(1, 1), 10,
				false, Duration.ZERO));
		buffer.onEvent(new GuardEvent.Waited(T0, "openai", "gpt-4o", 5, Duration.ofMillis(1000)));
		buffer.onEvent(new GuardEvent.ToolCalled(T0, "search_products", "allowed"));
		buffer.onEvent(new GuardEvent.Waited(T0, "openai", "gpt-4o", 5, Duration.ofMillis(1001)));
		buffer.onEvent(new GuardEvent.Rejected(T0, "openai", "gpt-4o", "rate_limited", "no capacity"));
		buffer.onEvent(new GuardEvent.FellBack(T0, "default", "openai/gpt-4o", "openai/gpt-4o-mini", "rate_limited"));
		buffer.onEvent(new GuardEvent.CooledDown(T0, "openai", "gpt-4o", T0.plusSeconds(60), "rate_limited"));
		buffer.onEvent(new GuardEvent.BudgetWarning(T0, "daily-spend", "", 0.81, T0));
		buffer.onEvent(new GuardEvent.BackendFailed(T0, "redis", "fail-open", "connection refused"));
		buffer.onEvent(new GuardEvent.ToolCalled(T0, "search_products", "fallback"));
		buffer.onEvent(new GuardEvent.CallFinished(T0, "openai", "gpt-4o", "default", "failed", null, 0, false,
				Duration.ZERO));

		assertThat(buffer.latest()).extracting(GuardEvent::type)
			.containsExactly("call-finished", "tool-call", "backend-failure", "budget-warning", "cooldown", "fallback",
					"rejected", "wait");
	}

	@Test
	void refusesASizeThatKeepsNothing() {
		assertThatIllegalArgumentException().isThrownBy(() -> new GuardEventBuffer(0))
			.withMessageContaining("llm.guard.events.buffer-size");
	}

	private static GuardEvent retry(int attempt) {
		return new GuardEvent.Retried(T0.plusSeconds(attempt), "openai", "gpt-4o", attempt, "server_error",
				Duration.ofSeconds(1));
	}

}

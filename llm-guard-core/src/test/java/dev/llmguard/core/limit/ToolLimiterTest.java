package dev.llmguard.core.limit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import dev.llmguard.core.config.GuardSettings;
import dev.llmguard.core.config.ToolSpec;
import dev.llmguard.core.time.ManualGuardClock;

class ToolLimiterTest {

	private static final ToolSpec SEARCH = new ToolSpec("search_products", 3, Duration.ofMinutes(1),
			"{\"products\": []}");

	private final ManualGuardClock clock = new ManualGuardClock();

	private ToolLimiter tools(ToolSpec... specs) {
		GuardSettings.Builder settings = GuardSettings.builder().headroom(0.5);
		for (ToolSpec spec : specs) {
			settings.tool(spec);
		}
		return new ToolLimiter(settings.build(), new LocalBucketStore(this.clock), this.clock);
	}

	@Test
	void allowsTheLimitPerWindowWithoutHeadroom() {
		ToolLimiter tools = tools(SEARCH);

		assertThat(tools.tryAcquire("search_products").allowed()).isTrue();
		assertThat(tools.tryAcquire("search_products").allowed()).isTrue();
		assertThat(tools.tryAcquire("search_products")).isEqualTo(new ToolDecision(true, Duration.ZERO, SEARCH));

		ToolDecision refused = tools.tryAcquire("search_products");
		assertThat(refused.allowed()).isFalse();
		assertThat(refused.spec().fallbackResponse()).isEqualTo("{\"products\": []}");
		assertThat(refused.retryAfter()).isEqualTo(Duration.ofSeconds(20));
	}

	@Test
	void callsComeBackGreedilyAsTheClockMoves() {
		ToolLimiter tools = tools(SEARCH);
		for (int i = 0; i < 3; i++) {
			tools.tryAcquire("search_products");
		}

		this.clock.advance(Duration.ofSeconds(19));
		assertThat(tools.tryAcquire("search_products").allowed()).isFalse();
		this.clock.advance(Duration.ofSeconds(1));
		assertThat(tools.tryAcquire("search_products").allowed()).isTrue();
		this.clock.advance(Duration.ofMinutes(5));
		assertThat(tools.snapshot().get("search_products").available()).isEqualTo(3);
	}

	@Test
	void eachToolHasItsOwnLimit() {
		ToolLimiter tools = tools(SEARCH, new ToolSpec("send_email", 1, Duration.ofHours(1), null));

		assertThat(tools.tryAcquire("send_email").allowed()).isTrue();
		assertThat(tools.tryAcquire("send_email").allowed()).isFalse();
		assertThat(tools.tryAcquire("search_products").allowed()).isTrue();
		assertThat(tools.snapshot()).containsExactly(
				java.util.Map.entry("search_products", new ToolLevel(3, Duration.ofMinutes(1), 2)),
				java.util.Map.entry("send_email", new ToolLevel(1, Duration.ofHours(1), 0)));
	}

	@Test
	void anUnknownToolNamesTheConfiguredOnes() {
		ToolLimiter tools = tools(SEARCH);

		assertThat(tools.isLimited("search_products")).isTrue();
		assertThat(tools.isLimited("delete_everything")).isFalse();
		assertThatIllegalArgumentException().isThrownBy(() -> tools.tryAcquire("delete_everything"))
			.withMessage("No limit is configured for tool 'delete_everything'; tools with a limit are "
					+ "[search_products] (llm.guard.tools.*)");
	}

	@Test
	void rejectsALimitOrWindowThatIsNotPositive() {
		assertThatIllegalArgumentException().isThrownBy(() -> tools(new ToolSpec("t", 0, Duration.ofMinutes(1), null)))
			.withMessageContaining("llm.guard.tools.t.limit");
		assertThatIllegalArgumentException().isThrownBy(() -> tools(new ToolSpec("t", 1, Duration.ZERO, null)))
			.withMessageContaining("llm.guard.tools.t.window");
	}

}

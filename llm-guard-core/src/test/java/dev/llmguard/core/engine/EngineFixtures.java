package dev.llmguard.core.engine;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import dev.llmguard.core.LlmGuardEngine;
import dev.llmguard.core.budget.BudgetUsage;
import dev.llmguard.core.budget.InMemoryBudgetLedger;
import dev.llmguard.core.config.BreakerSettings;
import dev.llmguard.core.config.BudgetPeriod;
import dev.llmguard.core.config.BudgetScope;
import dev.llmguard.core.config.BudgetSpec;
import dev.llmguard.core.config.ChainSpec;
import dev.llmguard.core.config.GuardSettings;
import dev.llmguard.core.config.ModelPrice;
import dev.llmguard.core.config.ModelSpec;
import dev.llmguard.core.config.OnExceeded;
import dev.llmguard.core.config.PriorityReserve;
import dev.llmguard.core.config.ProviderSpec;
import dev.llmguard.core.config.RateLimits;
import dev.llmguard.core.config.RetrySettings;
import dev.llmguard.core.event.GuardEvent;
import dev.llmguard.core.event.GuardListener;
import dev.llmguard.core.limit.LimitSnapshot;
import dev.llmguard.core.model.ModelRef;
import dev.llmguard.core.retry.ProviderResponseException;
import dev.llmguard.core.time.ManualGuardClock;
import dev.llmguard.core.token.CharsTokenEstimator;

/**
 * A real engine on a {@link ManualGuardClock}, an {@link InMemoryBudgetLedger} and an event recorder.
 * <p>
 * Provider {@code openai} has {@code gpt-4o} (built-in price 2.50/10.00 per 1M tokens, window 128k),
 * {@code gpt-4o-mini} (0.15/0.60) and {@code small} (priced 1.00/2.00, window 2,000 tokens). Chain
 * {@code default} is gpt-4o then gpt-4o-mini with a 60 s cooldown; chain {@code canned} is the same
 * with a fallback response. Headroom is 1 and no priority reserve applies, so a limit is the number
 * declared. Retries: 5 attempts, 1 s initial backoff, ×2, 60 s max, Retry-After capped at 30 s.
 */
final class EngineFixtures {

	static final ModelRef GPT_4O = new ModelRef("openai", "gpt-4o");

	static final ModelRef MINI = new ModelRef("openai", "gpt-4o-mini");

	static final ModelRef SMALL = new ModelRef("openai", "small");

	static final String CANNED = "{\"answer\": \"busy, try later\"}";

	static final RetrySettings RETRY = new RetrySettings(5, Duration.ofSeconds(1), 2.0, Duration.ofSeconds(60),
			Duration.ofSeconds(30));

	private EngineFixtures() {
	}

	/** The settings described above; {@code customize} may add budgets, tools, limits or replace parts. */
	static GuardSettings settings(Consumer<Settings> customize) {
		Settings s = new Settings();
		customize.accept(s);
		return s.build();
	}

	static Guard guard(Consumer<Settings> customize) {
		return new Guard(settings(customize));
	}

	static Guard guard() {
		return guard(s -> {
		});
	}

	static ProviderResponseException status(int status) {
		return new ProviderResponseException(status, null, null, "HTTP " + status + " from the test provider");
	}

	static ProviderResponseException status(int status, String code) {
		return new ProviderResponseException(status, code, null, "HTTP " + status + " " + code);
	}

	static ProviderResponseException status(int status, Duration retryAfter) {
		return new ProviderResponseException(status, null, retryAfter, "HTTP " + status + " with Retry-After");
	}

	static BudgetSpec costBudget(String name, BudgetScope scope, String maxUsd, OnExceeded onExceeded) {
		return new BudgetSpec(name, scope, BudgetPeriod.DAY, new BigDecimal(maxUsd), null, 0.8, onExceeded);
	}

	/** The same budget, with shrink to fit off: it rejects or downgrades a call it cannot afford whole. */
	static BudgetSpec notShrinking(BudgetSpec budget) {
		return new BudgetSpec(budget.name(), budget.scope(), budget.period(), budget.maxCost(), budget.maxTokens(),
				budget.warnAt(), budget.onExceeded(), false);
	}

	/** {@link #RETRY} with another deadline per call ({@code max-total-time}). */
	static RetrySettings maxTotalTime(Duration maxTotalTime) {
		return new RetrySettings(RETRY.maxAttempts(), RETRY.initialBackoff(), RETRY.multiplier(), RETRY.maxBackoff(),
				RETRY.maxRetryAfter(), maxTotalTime);
	}

	static RateLimits requestsPerMinute(long rpm) {
		return new RateLimits(rpm, null, null, null, null, null);
	}

	static RateLimits requestsPerDay(long rpd) {
		return new RateLimits(null, null, null, null, rpd, null);
	}

	/** Mutable settings for one test; {@link #build()} turns them into {@link GuardSettings}. */
	static final class Settings {

		RateLimits providerLimits = RateLimits.NONE;

		Integer maxConcurrent = 64;

		Duration maxWait = Duration.ofSeconds(30);

		RetrySettings retry = RETRY;

		boolean shrinkToFit = true;

		int minOutputTokens = 256;

		BreakerSettings breaker = BreakerSettings.DEFAULT;

		dev.llmguard.core.config.GuardModes modes = dev.llmguard.core.config.GuardModes.ENFORCE;

		final Map<String, ModelSpec> models = new LinkedHashMap<>();

		final Map<String, ChainSpec> chains = new LinkedHashMap<>();

		final List<BudgetSpec> budgets = new ArrayList<>();

		final List<dev.llmguard.core.config.ToolSpec> tools = new ArrayList<>();

		Settings() {
			model(new ModelSpec(GPT_4O, null, 128_000, 4096, null));
			model(new ModelSpec(MINI, null, 128_000, 4096, null));
			model(new ModelSpec(SMALL, ModelPrice.of("1.00", null, "2.00"), 2_000, 1024, null));
			chain(new ChainSpec("default", List.of(GPT_4O, MINI), Duration.ofSeconds(60), null));
			chain(new ChainSpec("canned", List.of(GPT_4O, MINI), Duration.ofSeconds(60), CANNED));
		}

		Settings model(ModelSpec model) {
			this.models.put(model.ref().model(), model);
			return this;
		}

		Settings chain(ChainSpec chain) {
			this.chains.put(chain.name(), chain);
			return this;
		}

		Settings budget(BudgetSpec budget) {
			this.budgets.add(budget);
			return this;
		}

		Settings tool(String name, long limit, Duration window, String fallbackResponse) {
			this.tools.add(new dev.llmguard.core.config.ToolSpec(name, limit, window, fallbackResponse));
			return this;
		}

		GuardSettings build() {
			GuardSettings.Builder b = GuardSettings.builder()
				.modes(this.modes)
				.headroom(1.0)
				.zone(ZoneOffset.UTC)
				.priorityReserve(PriorityReserve.NONE)
				.retry(this.retry)
				.shrinkToFit(this.shrinkToFit)
				.minOutputTokens(this.minOutputTokens)
				.breaker(this.breaker)
				.provider(new ProviderSpec("openai", null, this.providerLimits, this.maxConcurrent, this.maxWait,
						this.models));
			this.chains.values().forEach(b::chain);
			this.budgets.forEach(b::budget);
			this.tools.forEach(b::tool);
			return b.build();
		}

	}

	/** One engine and what it is built on, for a test. */
	static final class Guard implements GuardListener {

		final ManualGuardClock clock = new ManualGuardClock();

		final InMemoryBudgetLedger ledger;

		final List<GuardEvent> events = new CopyOnWriteArrayList<>();

		final LlmGuardEngine engine;

		Guard(GuardSettings settings) {
			this(settings, b -> {
			});
		}

		Guard(GuardSettings settings, Consumer<LlmGuardEngine.Builder> customize) {
			this.ledger = new InMemoryBudgetLedger(this.clock, ZoneOffset.UTC);
			LlmGuardEngine.Builder builder = LlmGuardEngine.builder(settings)
				.clock(this.clock)
				.ledger(this.ledger)
				.estimator(new CharsTokenEstimator())
				.listener(this);
			customize.accept(builder);
			this.engine = builder.build();
		}

		@Override
		public void onEvent(GuardEvent event) {
			this.events.add(event);
		}

		<E extends GuardEvent> List<E> events(Class<E> type) {
			return this.events.stream().filter(type::isInstance).map(type::cast).toList();
		}

		GuardEvent.CallFinished finished() {
			List<GuardEvent.CallFinished> finished = events(GuardEvent.CallFinished.class);
			if (finished.size() != 1) {
				throw new AssertionError("expected one call-finished event, got " + finished);
			}
			return finished.get(0);
		}

		LimitSnapshot limits() {
			return this.engine.limiters().snapshot("openai");
		}

		long available(String limit) {
			return limits().limits().get(limit).available();
		}

		BudgetUsage budget(String name, String key) {
			return this.engine.budgets().usage(name, key);
		}

		/** Nothing held: no open budget reservation, no reserved amount in any budget, no slot in use. */
		void assertNothingHeld() {
			if (this.ledger.openReservations() != 0) {
				throw new AssertionError(this.ledger.openReservations() + " budget reservations are still open");
			}
			this.engine.budgets().budgets().forEach(spec -> this.ledger.usages(spec.name()).forEach(usage -> {
				if (usage.reservedCostNanos() != 0 || usage.reservedTokens() != 0) {
					throw new AssertionError("budget still reserved: " + usage);
				}
			}));
			LimitSnapshot limits = limits();
			if (limits.inUse() != 0 || limits.waiting() != 0) {
				throw new AssertionError("rate capacity still held: " + limits);
			}
		}

	}

}

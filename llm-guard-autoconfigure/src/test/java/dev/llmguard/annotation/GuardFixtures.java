package dev.llmguard.annotation;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import org.springframework.aop.aspectj.annotation.AspectJProxyFactory;

import dev.llmguard.core.LlmGuardEngine;
import dev.llmguard.core.budget.BudgetCharge;
import dev.llmguard.core.budget.BudgetLedger;
import dev.llmguard.core.budget.BudgetReservation;
import dev.llmguard.core.budget.BudgetUsage;
import dev.llmguard.core.budget.ReserveOutcome;
import dev.llmguard.core.config.BudgetPeriod;
import dev.llmguard.core.config.BudgetScope;
import dev.llmguard.core.config.BudgetSpec;
import dev.llmguard.core.config.ChainSpec;
import dev.llmguard.core.config.GuardSettings;
import dev.llmguard.core.config.ModelSpec;
import dev.llmguard.core.config.OnExceeded;
import dev.llmguard.core.config.ProviderSpec;
import dev.llmguard.core.config.RateLimits;
import dev.llmguard.core.config.RetrySettings;
import dev.llmguard.core.model.ModelRef;
import dev.llmguard.core.time.ManualGuardClock;
import dev.llmguard.springai.SpringAiUsageExtractor;

/**
 * A real engine over one provider with two models, a two-model chain {@code default}, a one-model
 * chain {@code canned} with a fallback response, and token budgets (global and per tenant) whose
 * ledger records what the guard reserved, committed and released.
 */
public final class GuardFixtures {

	public static final ModelRef GPT_4O = new ModelRef("openai", "gpt-4o");

	public static final ModelRef MINI = new ModelRef("openai", "gpt-4o-mini");

	public static final String CANNED_ANSWER = "The assistant is busy, please try again later.";

	private GuardFixtures() {
	}

	public static GuardSettings settings() {
		return GuardSettings.builder()
			.retry(new RetrySettings(2, Duration.ofSeconds(1), 2.0, Duration.ofSeconds(10), Duration.ofSeconds(30)))
			.provider(new ProviderSpec("openai", null, RateLimits.NONE, 8, Duration.ofSeconds(5),
					Map.of("gpt-4o", new ModelSpec(GPT_4O, null, 128_000, 4096, null), "gpt-4o-mini",
							new ModelSpec(MINI, null, 128_000, 4096, null))))
			.chain(new ChainSpec("default", List.of(GPT_4O, MINI), Duration.ofSeconds(60), null))
			.chain(new ChainSpec("canned", List.of(GPT_4O), Duration.ofSeconds(60), CANNED_ANSWER))
			.budget(new BudgetSpec("all-tokens", BudgetScope.GLOBAL, BudgetPeriod.NONE, null, 100_000_000L, 0.8,
					OnExceeded.REJECT))
			.budget(new BudgetSpec("tenant-tokens", BudgetScope.TENANT, BudgetPeriod.NONE, null, 100_000_000L, 0.8,
					OnExceeded.REJECT))
			.build();
	}

	public static LlmGuardEngine engine(RecordingLedger ledger) {
		return LlmGuardEngine.builder(settings())
			.clock(new ManualGuardClock())
			.ledger(ledger)
			.usageExtractor(new SpringAiUsageExtractor())
			.build();
	}

	@SuppressWarnings("unchecked")
	public static <T> T proxy(T target, RateLimitedLlmAspect aspect) {
		AspectJProxyFactory factory = new AspectJProxyFactory(target);
		factory.setProxyTargetClass(true);
		factory.addAspect(aspect);
		return (T) factory.getProxy();
	}

	/** Calls holding a concurrency slot of the provider. */
	public static int inUse(LlmGuardEngine engine) {
		return engine.limiters().snapshot("openai").inUse();
	}

	/** A budget ledger that never refuses (unless told to) and records every step. */
	public static final class RecordingLedger implements BudgetLedger {

		private final Set<String> open = ConcurrentHashMap.newKeySet();

		private final List<BudgetCharge> charges = new CopyOnWriteArrayList<>();

		private final List<Long> committedTokens = new CopyOnWriteArrayList<>();

		private final List<String> commitThreads = new CopyOnWriteArrayList<>();

		private volatile int releases;

		private volatile boolean refuse;

		@Override
		public ReserveOutcome reserve(List<BudgetCharge> charges) {
			if (this.refuse) {
				BudgetCharge charge = charges.get(0);
				return new ReserveOutcome.Exceeded(charge, new BudgetUsage(charge.budget().name(), charge.key(), 0, 0,
						charge.budget().maxTokensOrUnlimited(), 0, charge.periodStart(), charge.resetsAt()));
			}
			BudgetReservation reservation = new BudgetReservation(UUID.randomUUID().toString(), charges);
			this.open.add(reservation.id());
			this.charges.addAll(charges);
			return new ReserveOutcome.Reserved(reservation, emptyUsages(charges));
		}

		@Override
		public List<BudgetUsage> commit(BudgetReservation reservation, long actualCostNanos, long actualTokens) {
			if (this.open.remove(reservation.id())) {
				this.committedTokens.add(actualTokens);
				this.commitThreads.add(Thread.currentThread().getName());
			}
			return emptyUsages(reservation.charges());
		}

		private static List<BudgetUsage> emptyUsages(List<BudgetCharge> charges) {
			return charges.stream()
				.map(c -> BudgetUsage.empty(c.budget().name(), c.key(), c.periodStart(), c.resetsAt()))
				.toList();
		}

		@Override
		public synchronized void release(BudgetReservation reservation) {
			if (this.open.remove(reservation.id())) {
				this.releases++;
			}
		}

		@Override
		public BudgetUsage usage(BudgetSpec budget, String key, Instant periodStart, Instant resetsAt) {
			return BudgetUsage.empty(budget.name(), key, periodStart, resetsAt);
		}

		@Override
		public void reset(BudgetSpec budget, String key) {
		}

		@Override
		public String backend() {
			return "memory";
		}

		public void refuse() {
			this.refuse = true;
		}

		/** Reservations neither committed nor released. */
		public int open() {
			return this.open.size();
		}

		/** Tokens of each committed call, in order. */
		public List<Long> committedTokens() {
			return List.copyOf(this.committedTokens);
		}

		/** The threads each commit ran on, in order. */
		public List<String> commitThreads() {
			return List.copyOf(this.commitThreads);
		}

		public int releases() {
			return this.releases;
		}

		/** Keys of the tenant budget's charges, one per admitted model. */
		public List<String> tenantKeys() {
			List<String> keys = new ArrayList<>();
			this.charges.stream()
				.filter(c -> c.budget().scope() == BudgetScope.TENANT)
				.forEach(c -> keys.add(c.key()));
			return keys;
		}

		/** Tokens reserved by each reservation, in order, read from the global budget's charges. */
		public List<Long> reservedTokens() {
			return this.charges.stream()
				.filter(c -> c.budget().scope() == BudgetScope.GLOBAL)
				.map(BudgetCharge::tokens)
				.toList();
		}

		/** Reservations made (one per admitted model), counted by the global budget's charges. */
		public int reservations() {
			return (int) this.charges.stream().filter(c -> c.budget().scope() == BudgetScope.GLOBAL).count();
		}

	}

}

package dev.llmguard.core.budget;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.llmguard.core.config.BudgetPeriod;
import dev.llmguard.core.config.BudgetScope;
import dev.llmguard.core.config.BudgetSpec;
import dev.llmguard.core.config.GuardSettings;
import dev.llmguard.core.config.OnExceeded;
import dev.llmguard.core.time.ManualGuardClock;

import static dev.llmguard.core.budget.BudgetTestSupport.usd;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Many threads against one budget: admissions never exceed it and reservations return to zero.
 */
class BudgetsConcurrencyTests {

	private static final int THREADS = 64;

	private static final int CALLS_PER_THREAD = 100;

	private static final ZoneId UTC = ZoneId.of("UTC");

	private final ManualGuardClock clock = new ManualGuardClock(Instant.parse("2026-11-22T10:00:00Z"));

	/** A budget and what each call charges it. */
	record Limit(String kind, BudgetScope scope, BigDecimal maxCost, Long maxTokens, long costPerCall,
			long tokensPerCall) {

		BudgetSpec budget() {
			return new BudgetSpec("budget", this.scope, BudgetPeriod.DAY, this.maxCost, this.maxTokens, 0.8,
					OnExceeded.REJECT);
		}

		long spent(BudgetUsage usage) {
			return this.maxCost != null ? usage.spentCostNanos() : usage.spentTokens();
		}

		long limit() {
			return this.maxCost != null ? budget().maxCostNanos() : this.maxTokens;
		}

		long perCall() {
			return this.maxCost != null ? this.costPerCall : this.tokensPerCall;
		}

		@Override
		public String toString() {
			return this.scope + " " + this.kind;
		}

	}

	static List<Arguments> limits() {
		List<Arguments> limits = new ArrayList<>();
		for (BudgetScope scope : BudgetScope.values()) {
			// $1.00 at $0.003 a call: 333 calls fit; the token charge is irrelevant to a cost budget
			limits.add(Arguments.of(new Limit("cost", scope, new BigDecimal("1.00"), null, usd("0.003"), 1_000_000)));
			// 10,000 tokens at 7 a call: 1428 calls fit; the cost is irrelevant to a token budget
			limits.add(Arguments.of(new Limit("tokens", scope, null, 10_000L, usd("100"), 7)));
		}
		return limits;
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("limits")
	void admitsExactlyWhatFitsWhenEveryCallCommits(Limit limit) throws Exception {
		Budgets budgets = budgets(limit.budget());
		AtomicInteger admitted = new AtomicInteger();

		ConcurrentCalls.run(THREADS, CALLS_PER_THREAD, (thread, call) -> {
			ReserveOutcome outcome = budgets.reserve(budgets.chargesFor("acme", "s-1", limit.costPerCall(),
					limit.tokensPerCall()));
			if (outcome instanceof ReserveOutcome.Reserved reserved) {
				admitted.incrementAndGet();
				budgets.commit(reserved.reservation(), limit.costPerCall(), limit.tokensPerCall());
			}
		});

		BudgetUsage usage = budgets.usage("budget", key(limit));
		assertThat(THREADS * CALLS_PER_THREAD).isGreaterThan((int) (limit.limit() / limit.perCall()));
		assertThat(admitted.get()).isEqualTo((int) (limit.limit() / limit.perCall()));
		assertThat(limit.spent(usage)).isEqualTo(admitted.get() * limit.perCall()).isLessThanOrEqualTo(limit.limit());
		assertNothingReserved(usage);
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("limits")
	void neverOverspendsAndFreesEverythingWhenSomeCallsFail(Limit limit) throws Exception {
		Budgets budgets = budgets(limit.budget());
		AtomicInteger committed = new AtomicInteger();

		ConcurrentCalls.run(THREADS, CALLS_PER_THREAD, (thread, call) -> {
			ReserveOutcome outcome = budgets.reserve(budgets.chargesFor("acme", "s-1", limit.costPerCall(),
					limit.tokensPerCall()));
			if (outcome instanceof ReserveOutcome.Reserved reserved) {
				boolean settled = false;
				try {
					if ((thread + call) % 3 == 0) {
						throw new IllegalStateException("the provider failed");
					}
					budgets.commit(reserved.reservation(), limit.costPerCall(), limit.tokensPerCall());
					committed.incrementAndGet();
					settled = true;
				}
				catch (IllegalStateException ex) {
					// as the engine does: a failed call gives its reservation back
				}
				finally {
					if (!settled) {
						budgets.release(reserved.reservation());
					}
				}
			}
		});

		BudgetUsage usage = budgets.usage("budget", key(limit));
		assertThat(limit.spent(usage)).isEqualTo(committed.get() * limit.perCall()).isLessThanOrEqualTo(limit.limit());
		assertNothingReserved(usage);

		// whatever the failures left unused can still be spent, and not a call more
		while (budgets.reserve(budgets.chargesFor("acme", "s-1", limit.costPerCall(),
				limit.tokensPerCall())) instanceof ReserveOutcome.Reserved reserved) {
			budgets.commit(reserved.reservation(), limit.costPerCall(), limit.tokensPerCall());
			committed.incrementAndGet();
		}
		assertThat(committed.get()).isEqualTo((int) (limit.limit() / limit.perCall()));
		assertNothingReserved(budgets.usage("budget", key(limit)));
	}

	@Test
	void globalTenantAndSessionBudgetsStayConsistentUnderContention() throws Exception {
		BudgetSpec global = new BudgetSpec("global", BudgetScope.GLOBAL, BudgetPeriod.DAY, new BigDecimal("2.00"),
				null, 0.8, OnExceeded.REJECT);
		BudgetSpec tenant = new BudgetSpec("tenant", BudgetScope.TENANT, BudgetPeriod.DAY, new BigDecimal("0.30"),
				null, 0.8, OnExceeded.REJECT);
		BudgetSpec session = new BudgetSpec("session", BudgetScope.SESSION, BudgetPeriod.NONE, null, 500L, 0.8,
				OnExceeded.DOWNGRADE);
		Budgets budgets = budgets(global, tenant, session);
		long cost = usd("0.01");
		long tokens = 3;

		ConcurrentCalls.run(THREADS, CALLS_PER_THREAD, (thread, call) -> {
			String tenantKey = "tenant-" + (thread % 8);
			String sessionKey = "session-" + (thread % 16);
			if (budgets.reserve(budgets.chargesFor(tenantKey, sessionKey, cost, tokens))
					instanceof ReserveOutcome.Reserved reserved) {
				if (call % 4 == 0) {
					budgets.release(reserved.reservation());
				}
				else {
					budgets.commit(reserved.reservation(), cost, tokens);
				}
			}
		});

		BudgetUsage globalUsage = budgets.usage("global", "");
		long tenantSpending = 0;
		for (int t = 0; t < 8; t++) {
			BudgetUsage usage = budgets.usage("tenant", "tenant-" + t);
			assertThat(usage.spentCostNanos()).isLessThanOrEqualTo(usd("0.30"));
			assertNothingReserved(usage);
			tenantSpending += usage.spentCostNanos();
		}
		long sessionTokens = 0;
		for (int s = 0; s < 16; s++) {
			BudgetUsage usage = budgets.usage("session", "session-" + s);
			assertThat(usage.spentTokens()).isLessThanOrEqualTo(500);
			assertNothingReserved(usage);
			sessionTokens += usage.spentTokens();
		}
		assertThat(globalUsage.spentCostNanos()).isLessThanOrEqualTo(usd("2.00"));
		assertNothingReserved(globalUsage);
		// every admitted call was charged to all three budgets or to none
		assertThat(tenantSpending).isEqualTo(globalUsage.spentCostNanos());
		assertThat(sessionTokens).isEqualTo(globalUsage.spentTokens());
		assertThat(globalUsage.spentCostNanos() / cost).isEqualTo(globalUsage.spentTokens() / tokens);
	}

	@Test
	void aGlobalBudgetStaysExactWhileTenantEntriesAreEvictedAndResetUnderContention() throws Exception {
		BudgetSpec global = new BudgetSpec("global", BudgetScope.GLOBAL, BudgetPeriod.DAY, new BigDecimal("2.00"),
				null, 0.8, OnExceeded.REJECT);
		BudgetSpec tenant = new BudgetSpec("tenant", BudgetScope.TENANT, BudgetPeriod.DAY, new BigDecimal("100"),
				null, 0.8, OnExceeded.REJECT);
		// 4 entries for 32 tenants: entries are evicted and added again all the time
		InMemoryBudgetLedger ledger = new InMemoryBudgetLedger(this.clock, UTC, 4);
		Budgets budgets = new Budgets(GuardSettings.builder().zone(UTC).budget(global).budget(tenant).build(), ledger,
				this.clock, (event) -> {
				});
		long cost = usd("0.003");
		AtomicInteger committed = new AtomicInteger();

		ConcurrentCalls.run(THREADS, CALLS_PER_THREAD, (thread, call) -> {
			String tenantKey = "tenant-" + ((thread * 7 + call) % 32);
			if (call % 10 == 9) {
				ledger.reset(tenant, tenantKey);
			}
			if (budgets.reserve(budgets.chargesFor(tenantKey, null, cost, 1))
					instanceof ReserveOutcome.Reserved reserved) {
				if (call % 5 == 0) {
					budgets.release(reserved.reservation());
				}
				else {
					budgets.commit(reserved.reservation(), cost, 1);
					committed.incrementAndGet();
				}
			}
		});

		BudgetUsage globalUsage = budgets.usage("global", "");
		assertThat(globalUsage.spentCostNanos()).isEqualTo(committed.get() * cost)
			.isLessThanOrEqualTo(usd("2.00"));
		assertNothingReserved(globalUsage);
		assertThat(ledger.openReservations()).isZero();
		assertThat(ledger.estimatedSize()).isLessThanOrEqualTo(4 + 1);
		// what the releases left can still be spent, to the last call that fits
		while (budgets.reserve(budgets.chargesFor("tenant-0", null, cost, 1))
				instanceof ReserveOutcome.Reserved reserved) {
			budgets.commit(reserved.reservation(), cost, 1);
			committed.incrementAndGet();
		}
		assertThat(committed.get()).isEqualTo((int) (usd("2.00") / cost));
	}

	private static String key(Limit limit) {
		return switch (limit.scope()) {
			case GLOBAL -> "";
			case TENANT -> "acme";
			case SESSION -> "s-1";
		};
	}

	private static void assertNothingReserved(BudgetUsage usage) {
		assertThat(usage.reservedCostNanos()).isZero();
		assertThat(usage.reservedTokens()).isZero();
	}

	private Budgets budgets(BudgetSpec... specs) {
		GuardSettings.Builder settings = GuardSettings.builder().zone(UTC);
		for (BudgetSpec spec : specs) {
			settings.budget(spec);
		}
		return new Budgets(settings.build(), new InMemoryBudgetLedger(this.clock, UTC), this.clock, (event) -> {
		});
	}

}

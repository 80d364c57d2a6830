package dev.llmguard.redis;

import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import dev.llmguard.core.GuardInterruptedException;
import dev.llmguard.core.budget.BudgetCharge;
import dev.llmguard.core.budget.BudgetLedger;
import dev.llmguard.core.budget.BudgetPeriods;
import dev.llmguard.core.budget.BudgetReservation;
import dev.llmguard.core.budget.BudgetUsage;
import dev.llmguard.core.budget.BudgetWindow;
import dev.llmguard.core.budget.Budgets;
import dev.llmguard.core.budget.InMemoryBudgetLedger;
import dev.llmguard.core.budget.ReserveOutcome;
import dev.llmguard.core.config.BudgetPeriod;
import dev.llmguard.core.config.BudgetScope;
import dev.llmguard.core.config.BudgetSpec;
import dev.llmguard.core.config.GuardSettings;
import dev.llmguard.core.event.GuardEvent;
import dev.llmguard.core.event.GuardListener;
import dev.llmguard.core.time.ManualGuardClock;
import dev.llmguard.test.redis.RedisServerExtension;

import static dev.llmguard.redis.RedisTestSupport.START;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class RedisBudgetLedgerTests {

	@RegisterExtension
	static final RedisServerExtension redis = new RedisServerExtension();

	private static final BudgetSpec DAILY = RedisTestSupport.tokenBudget("daily", BudgetScope.GLOBAL, BudgetPeriod.DAY,
			1000);

	private static final BudgetSpec SMALL = RedisTestSupport.tokenBudget("small", BudgetScope.GLOBAL, BudgetPeriod.NONE,
			150);

	private static final BudgetSpec PER_TENANT = RedisTestSupport.costBudget("tenant-cap", BudgetScope.TENANT,
			BudgetPeriod.NONE, "1.00");

	private static final BudgetSpec TENANT_DAILY = RedisTestSupport.costBudget("tenant-daily", BudgetScope.TENANT,
			BudgetPeriod.DAY, "1.00");

	private final ManualGuardClock clock = new ManualGuardClock(START);

	private LettuceConnectionFactory factory;

	private RedisGuardBackend backend;

	private RedisBudgetLedger ledger;

	private RedisTestSupport.Inspector inspector;

	@BeforeEach
	void connect() {
		this.factory = RedisTestSupport.connectionFactory(redis.port());
		this.backend = new RedisGuardBackend(this.factory::getRequiredNativeClient,
				RedisTestSupport.options("ledger", RedisFailureMode.FAIL_CLOSED), this.clock, (event) -> {
				});
		this.ledger = new RedisBudgetLedger(this.backend, ZoneOffset.UTC);
		this.inspector = new RedisTestSupport.Inspector(redis.port());
		this.inspector.redis().flushall();
	}

	@AfterEach
	void close() {
		this.backend.close();
		this.factory.destroy();
		this.inspector.close();
	}

	private BudgetCharge charge(BudgetSpec budget, String key, long costNanos, long tokens) {
		BudgetWindow window = BudgetPeriods.windowOf(budget.period(), this.clock.instant(), ZoneOffset.UTC);
		return new BudgetCharge(budget, key, window.start(), window.end(), costNanos, tokens);
	}

	private BudgetUsage usage(BudgetSpec budget, String key) {
		return usage(this.ledger, budget, key);
	}

	private BudgetUsage usage(BudgetLedger ledger, BudgetSpec budget) {
		return usage(ledger, budget, "");
	}

	private BudgetUsage usage(BudgetLedger ledger, BudgetSpec budget, String key) {
		BudgetWindow window = BudgetPeriods.windowOf(budget.period(), this.clock.instant(), ZoneOffset.UTC);
		return ledger.usage(budget, key, window.start(), window.end());
	}

	@Test
	void reservesEveryBudgetOfACallOrNone() {
		ReserveOutcome first = this.ledger.reserve(List.of(charge(DAILY, "", 0, 600), charge(PER_TENANT, "acme", 400_000_000L, 600)));
		assertThat(first).isInstanceOf(ReserveOutcome.Reserved.class);
		assertThat(((ReserveOutcome.Reserved) first).usages()).extracting(BudgetUsage::reservedTokens)
			.containsExactly(600L, 600L);

		ReserveOutcome second = this.ledger.reserve(List.of(charge(DAILY, "", 0, 600), charge(PER_TENANT, "other", 1, 1)));
		assertThat(second).isInstanceOfSatisfying(ReserveOutcome.Exceeded.class, (exceeded) -> {
			assertThat(exceeded.charge().budget()).isEqualTo(DAILY);
			assertThat(exceeded.usage().reservedTokens()).isEqualTo(600);
		});
		// all or nothing: the tenant 'other' got nothing although its own budget had room
		assertThat(usage(PER_TENANT, "other").reservedCostNanos()).isZero();
	}

	@Test
	void commitMovesTheReservationToSpendingOnceAndReleaseFreesIt() {
		BudgetReservation reservation = reserve(charge(DAILY, "", 0, 500));
		List<BudgetUsage> after = this.ledger.commit(reservation, 0, 120);
		assertThat(after).singleElement().satisfies((usage) -> {
			assertThat(usage.spentTokens()).isEqualTo(120);
			assertThat(usage.reservedTokens()).isZero();
		});
		this.ledger.commit(reservation, 0, 120);
		assertThat(usage(DAILY, "").spentTokens()).isEqualTo(120);

		BudgetReservation released = reserve(charge(DAILY, "", 0, 300));
		this.ledger.release(released);
		this.ledger.release(released);
		this.ledger.commit(released, 0, 50);
		assertThat(usage(DAILY, "")).satisfies((usage) -> {
			assertThat(usage.spentTokens()).isEqualTo(120);
			assertThat(usage.reservedTokens()).isZero();
		});
		assertThat(this.inspector.redis().zcard("ledger:{ledger}:rsv-open")).isZero();
	}

	@Test
	void reservationsOfACrashedInstanceAreReclaimedWhenTheirLeaseEnds() {
		reserve(charge(DAILY, "", 0, 900)); // never settled: its instance "crashed"
		assertThat(this.ledger.reserve(List.of(charge(DAILY, "", 0, 200)))).isInstanceOf(ReserveOutcome.Exceeded.class);

		this.clock.advance(RedisGuardOptions.DEFAULT.reservationLease().plusSeconds(1));
		BudgetReservation next = reserve(charge(DAILY, "", 0, 200));
		assertThat(usage(DAILY, "").reservedTokens()).isEqualTo(200);
		this.ledger.release(next);
		assertThat(usage(DAILY, "").reservedTokens()).isZero();
	}

	@Test
	void aCommitAfterTheLeaseStillCountsTheSpending() {
		BudgetReservation slow = reserve(charge(DAILY, "", 0, 400));
		this.clock.advance(RedisGuardOptions.DEFAULT.reservationLease().plusSeconds(1));
		reserve(charge(DAILY, "", 0, 1)); // reclaims the slow call's reservation
		this.ledger.commit(slow, 0, 300);
		assertThat(usage(DAILY, "")).satisfies((usage) -> {
			assertThat(usage.spentTokens()).isEqualTo(300);
			assertThat(usage.reservedTokens()).isEqualTo(1);
		});
	}

	@Test
	void spendsInTheNewPeriodWhenTheDayEndsDuringTheCall() {
		this.clock.set(START.plus(Duration.ofHours(13)).plus(Duration.ofMinutes(59)));
		BudgetReservation late = reserve(charge(DAILY, "", 0, 400));
		BudgetUsage before = usage(DAILY, "");
		this.clock.advance(Duration.ofMinutes(2)); // past midnight UTC
		this.ledger.commit(late, 0, 100);
		assertThat(usage(DAILY, "").spentTokens()).isEqualTo(100);
		BudgetUsage yesterday = this.ledger.usage(DAILY, "", before.periodStart(), before.resetsAt());
		assertThat(yesterday.reservedTokens()).isZero();
		assertThat(yesterday.spentTokens()).isZero();
	}

	@Test
	void tenantKeysCannotReachOtherKeysAndStayShort() {
		String hostile = "acme}:{ledger}:open\r\n" + "x".repeat(5000);
		BudgetReservation reservation = reserve(charge(PER_TENANT, hostile, 1_000, 10));
		this.ledger.commit(reservation, 1_000, 10);
		assertThat(usage(PER_TENANT, hostile).spentCostNanos()).isEqualTo(1_000);
		assertThat(usage(PER_TENANT, "acme").spentCostNanos()).isZero();
		List<String> keys = this.inspector.keys("*");
		assertThat(keys).allSatisfy((key) -> {
			assertThat(key).startsWith("ledger:{ledger}:").hasSizeLessThan(200).doesNotContain("\r", "\n");
			assertThat(key.substring("ledger:{ledger}:".length())).doesNotContain("{", "}");
		});
	}

	@Test
	void everyKeyExpires() {
		BudgetReservation daily = reserve(charge(DAILY, "", 0, 10));
		this.ledger.commit(daily, 0, 10);
		this.ledger.commit(reserve(charge(PER_TENANT, "acme", 10, 10)), 10, 10);
		for (String key : this.inspector.keys("*")) {
			assertThat(this.inspector.redis().pttl(key)).as(key).isPositive();
		}
	}

	@Test
	void anEntryWithoutAPeriodStaysWhileItIsUsedAndOneWithAPeriodKeepsTheEndOfItsPeriod() {
		this.ledger.commit(reserve(charge(PER_TENANT, "acme", 10, 10)), 10, 10);
		this.ledger.commit(reserve(charge(DAILY, "", 0, 10)), 0, 10);
		String idle = this.inspector.keys("ledger:{ledger}:budget:tenant-cap:*").iterator().next();
		String daily = this.inspector.keys("ledger:{ledger}:budget:daily:*").iterator().next();
		this.inspector.redis().pexpire(idle, 5_000);
		this.inspector.redis().pexpire(daily, 5_000);
		this.ledger.commit(reserve(charge(PER_TENANT, "acme", 10, 10)), 10, 10);
		this.ledger.commit(reserve(charge(DAILY, "", 0, 10)), 0, 10);
		// idle expiry starts again with every use; a period's entry is given its end once, when created
		assertThat(this.inspector.redis().pttl(idle)).isGreaterThan(5_000);
		assertThat(this.inspector.redis().pttl(daily)).isLessThanOrEqualTo(5_000);
		assertThat(usage(PER_TENANT, "acme").spentCostNanos()).isEqualTo(20);
		assertThat(usage(DAILY, "").spentTokens()).isEqualTo(20);
	}

	@Test
	void aReservationAndItsCommitOverTwoBudgetsRunFewCommandsInRedis() {
		// the entries exist: the steady state of busy budgets (two daily ones, as in the benchmark)
		this.ledger.commit(reserve(charge(DAILY, "", 0, 10), charge(TENANT_DAILY, "acme", 10, 10)), 10, 10);
		this.inspector.redis().configResetstat();
		this.ledger.commit(reserve(charge(DAILY, "", 0, 10), charge(TENANT_DAILY, "acme", 10, 10)), 10, 10);
		java.util.Map<String, Long> calls = new java.util.TreeMap<>();
		for (String line : this.inspector.redis().info("commandstats").split("\r?\n")) {
			if (line.startsWith("cmdstat_")) {
				String name = line.substring("cmdstat_".length(), line.indexOf(':'));
				long count = Long.parseLong(line.replaceAll("^[^:]*:calls=(\\d+),.*", "$1"));
				if (!name.startsWith("config") && !name.equals("info")) {
					calls.put(name, count);
				}
			}
		}
		// one script each, by digest; inside: one read and a HINCRBY per amount changed per entry, the
		// reservation's record (one SET with its expiry, one SET that settles and reads it), its lease and
		// the lease set's expiry; no entry's expiry is set again
		assertThat(calls).containsEntry("evalsha", 2L).doesNotContainKey("eval").doesNotContainKey("hget");
		assertThat(calls.getOrDefault("pexpire", 0L)).isEqualTo(1);
		assertThat(calls.getOrDefault("set", 0L)).isEqualTo(2);
		assertThat(calls.values().stream().mapToLong(Long::longValue).sum()).as("%s", calls).isLessThanOrEqualTo(24);
	}

	@Test
	void amountsStayExactPastWhatLuaNumbersHoldExactly() {
		// 2^53 + 1 is the first integer a Lua number cannot hold: amounts are added by Redis (HINCRBY)
		long big = 9_007_199_254_740_993L;
		BudgetSpec unlimitedTokens = RedisTestSupport.costBudget("cost-only", BudgetScope.GLOBAL, BudgetPeriod.DAY,
				"1000.00");
		this.ledger.commit(reserve(charge(unlimitedTokens, "", 1, 1)), 1, big);
		this.ledger.commit(reserve(charge(unlimitedTokens, "", 1, 1)), 1, 2);
		BudgetReservation open = reserve(charge(unlimitedTokens, "", 3, 7));
		assertThat(usage(unlimitedTokens, "")).satisfies((usage) -> {
			assertThat(usage.spentTokens()).isEqualTo(big + 2);
			assertThat(usage.reservedTokens()).isEqualTo(7);
			assertThat(usage.spentCostNanos()).isEqualTo(2);
			assertThat(usage.reservedCostNanos()).isEqualTo(3);
		});
		this.ledger.release(open);
		assertThat(usage(unlimitedTokens, "").reservedTokens()).isZero();
		assertThat(usage(unlimitedTokens, "").spentTokens()).isEqualTo(big + 2);
	}

	@Test
	void aCallChargingOneEntryTwiceReservesAndFreesBoth() {
		ReserveOutcome outcome = this.ledger.reserve(List.of(charge(DAILY, "", 0, 300), charge(DAILY, "", 0, 200)));
		assertThat(outcome).isInstanceOf(ReserveOutcome.Reserved.class);
		assertThat(usage(DAILY, "").reservedTokens()).isEqualTo(500);
		this.ledger.commit(((ReserveOutcome.Reserved) outcome).reservation(), 0, 40);
		assertThat(usage(DAILY, "")).satisfies((usage) -> {
			assertThat(usage.reservedTokens()).isZero();
			assertThat(usage.spentTokens()).isEqualTo(80);
		});
	}

	@Test
	void resetForgetsOneKeysSpending() {
		this.ledger.commit(reserve(charge(PER_TENANT, "acme", 500, 1)), 500, 1);
		this.ledger.commit(reserve(charge(PER_TENANT, "beta", 700, 1)), 700, 1);
		this.ledger.reset(PER_TENANT, "acme");
		assertThat(usage(PER_TENANT, "acme").spentCostNanos()).isZero();
		assertThat(usage(PER_TENANT, "beta").spentCostNanos()).isEqualTo(700);
	}

	@Test
	void aCallReservedBeforeAResetFreesNothingOfWhatLaterCallsReserved() {
		for (BudgetLedger ledger : List.of(new InMemoryBudgetLedger(this.clock, ZoneOffset.UTC), this.ledger)) {
			BudgetReservation beforeReset = reserve(ledger, charge(SMALL, "", 0, 100));
			ledger.reset(SMALL, "");
			BudgetReservation afterReset = reserve(ledger, charge(SMALL, "", 0, 100));
			ledger.release(beforeReset);
			assertThat(usage(ledger, SMALL).reservedTokens()).as(ledger.backend()).isEqualTo(100);
			assertThat(ledger.reserve(List.of(charge(SMALL, "", 0, 100)))).as(ledger.backend())
				.isInstanceOf(ReserveOutcome.Exceeded.class);
			ledger.release(afterReset);
			assertThat(usage(ledger, SMALL).reservedTokens()).as(ledger.backend()).isZero();
		}
	}

	@Test
	void aCallReservedBeforeAResetSpendsInTheFreshStateAndFreesNothing() {
		for (BudgetLedger ledger : List.of(new InMemoryBudgetLedger(this.clock, ZoneOffset.UTC), this.ledger)) {
			BudgetReservation beforeReset = reserve(ledger, charge(SMALL, "", 0, 100));
			ledger.reset(SMALL, "");
			reserve(ledger, charge(SMALL, "", 0, 100));
			assertThat(ledger.commit(beforeReset, 0, 30)).as(ledger.backend()).singleElement().satisfies((usage) -> {
				assertThat(usage.spentTokens()).isEqualTo(30);
				assertThat(usage.reservedTokens()).isEqualTo(100);
			});
			// 30 spent + 100 held: 20 more fit, 21 do not
			assertThat(ledger.reserve(List.of(charge(SMALL, "", 0, 21)))).as(ledger.backend())
				.isInstanceOf(ReserveOutcome.Exceeded.class);
			reserve(ledger, charge(SMALL, "", 0, 20));
		}
	}

	@Test
	void aReservationReclaimedAfterAResetFreesNothingOfWhatLaterCallsReserved() {
		reserve(charge(SMALL, "", 0, 100)); // its instance crashed
		this.ledger.reset(SMALL, "");
		this.clock.advance(Duration.ofMinutes(5));
		reserve(charge(SMALL, "", 0, 100)); // a live call
		this.clock.advance(RedisGuardOptions.DEFAULT.reservationLease().minusMinutes(4));
		// the crashed call's lease has ended, the live call's has not: reclaiming frees only the first
		assertThat(this.ledger.reserve(List.of(charge(SMALL, "", 0, 100)))).isInstanceOf(ReserveOutcome.Exceeded.class);
		assertThat(usage(SMALL, "").reservedTokens()).isEqualTo(100);
	}

	@Test
	void aCallLongerThanItsLeaseKeepsItsReservationWhileItsInstanceRenewsTheLease() {
		BudgetReservation longCall = reserve(charge(DAILY, "", 0, 900));
		for (int i = 0; i < 5; i++) { // 20 minutes, twice the lease
			this.clock.advance(Duration.ofMinutes(4));
			this.ledger.renewLeases().join();
		}
		assertThat(this.ledger.reserve(List.of(charge(DAILY, "", 0, 200)))).isInstanceOf(ReserveOutcome.Exceeded.class);
		assertThat(usage(DAILY, "").reservedTokens()).isEqualTo(900);
		this.ledger.commit(longCall, 0, 800);
		assertThat(usage(DAILY, "")).satisfies((usage) -> {
			assertThat(usage.spentTokens()).isEqualTo(800);
			assertThat(usage.reservedTokens()).isZero();
		});
	}

	@Test
	void reservationsOfACrashedInstanceAreReclaimedWhileTheOtherInstancesRenewTheirOwn() {
		try (SecondInstance crashed = new SecondInstance()) {
			crashed.ledger.reserve(List.of(charge(DAILY, "", 0, 500))); // never settled, never renewed
		}
		BudgetReservation longCall = reserve(charge(DAILY, "", 0, 400));
		for (int i = 0; i < 3; i++) {
			this.clock.advance(Duration.ofMinutes(4));
			this.ledger.renewLeases().join();
		}
		BudgetReservation next = reserve(charge(DAILY, "", 0, 500));
		assertThat(usage(DAILY, "").reservedTokens()).isEqualTo(900);
		this.ledger.release(next);
		this.ledger.release(longCall);
		assertThat(usage(DAILY, "").reservedTokens()).isZero();
		assertThat(this.inspector.redis().zcard("ledger:{ledger}:rsv-open")).isZero();
	}

	@Test
	void leasesAreRenewedOnlyWhenHalfOfThemHasPassed() {
		reserve(charge(DAILY, "", 0, 10));
		double reservedUntil = this.clock.instant().plus(RedisGuardOptions.DEFAULT.reservationLease()).toEpochMilli();
		assertThat(openDeadlines()).containsExactly(reservedUntil);
		this.clock.advance(Duration.ofMinutes(4));
		this.ledger.renewLeases().join();
		assertThat(openDeadlines()).containsExactly(reservedUntil);
		this.clock.advance(Duration.ofMinutes(2));
		this.ledger.renewLeases().join();
		assertThat(openDeadlines()).containsExactly(
				(double) this.clock.instant().plus(RedisGuardOptions.DEFAULT.reservationLease()).toEpochMilli());
	}

	@Test
	void periodicTasksRunOnTheRedisClientsEventExecutorsUntilTheBackendCloses() throws Exception {
		reserve(charge(DAILY, "", 0, 10)); // connects
		CountDownLatch runs = new CountDownLatch(3);
		List<String> threads = new CopyOnWriteArrayList<>();
		assertThat(this.backend.every(Duration.ofMillis(1), () -> {
			threads.add(Thread.currentThread().getName());
			runs.countDown();
		})).isTrue();
		assertThat(runs.await(30, TimeUnit.SECONDS)).isTrue();
		assertThat(threads).allSatisfy((name) -> assertThat(name).startsWith("lettuce"));
		this.backend.close();
		assertThat(this.backend.every(Duration.ofMillis(1), () -> {
		})).isFalse();
	}

	private List<Double> openDeadlines() {
		return this.inspector.redis().zrangeWithScores("ledger:{ledger}:rsv-open", 0, -1).stream()
			.map((scored) -> scored.getScore())
			.toList();
	}

	@Test
	void manyThreadsNeverOverspendAndReservationsReturnToZero() throws Exception {
		AtomicInteger admitted = new AtomicInteger();
		RedisTestSupport.hammer(32, 20, (thread, i) -> {
			ReserveOutcome outcome = this.ledger.reserve(List.of(charge(DAILY, "", 0, 30)));
			if (outcome instanceof ReserveOutcome.Reserved reserved) {
				admitted.incrementAndGet();
				if (i % 3 == 0) {
					this.ledger.release(reserved.reservation());
				}
				else {
					this.ledger.commit(reserved.reservation(), 0, 30);
				}
			}
		});
		BudgetUsage usage = usage(DAILY, "");
		assertThat(usage.reservedTokens()).isZero();
		assertThat(usage.spentTokens()).isLessThanOrEqualTo(1000).isEqualTo(990);
		assertThat(admitted.get()).isGreaterThanOrEqualTo(33);
		assertThat(this.inspector.redis().zcard("ledger:{ledger}:rsv-open")).isZero();
	}

	@Test
	void aReservationWhoseCallerStoppedWaitingIsFreedOnceRedisRunsIt() throws Exception {
		RedisGuardBackend quick = new RedisGuardBackend(this.factory::getRequiredNativeClient,
				RedisTestSupport.options("ledger", RedisFailureMode.FAIL_CLOSED).withTimeout(Duration.ofMillis(200)),
				this.clock, (event) -> {
				});
		try {
			RedisBudgetLedger slowLedger = new RedisBudgetLedger(quick, ZoneOffset.UTC);
			quick.probe(); // connected

			// Redis runs the reserve only after the caller gave up waiting for it
			this.inspector.redis().clientPause(600);
			assertThatExceptionOfType(GuardBackendUnavailableException.class)
				.isThrownBy(() -> slowLedger.reserve(List.of(charge(DAILY, "", 0, 900))));
			this.inspector.redis().ping(); // answered once the pause is over
			assertThat(quick.probe()).as("answered after what the ledger sent before it on the same connection").isTrue();

			assertThat(usage(DAILY, "").reservedTokens()).as("no money held for a call that failed").isZero();
			assertThat(this.inspector.redis().zcard("ledger:{ledger}:rsv-open")).isZero();
		}
		finally {
			quick.close();
		}
	}

	@ParameterizedTest
	@EnumSource(RedisFailureMode.class)
	void aReserveWhoseCallerIsInterruptedIsNeitherAFailureOfRedisNorAdmitted(RedisFailureMode mode) throws Exception {
		RedisGuardBackend backend = new RedisGuardBackend(this.factory::getRequiredNativeClient,
				RedisTestSupport.options("ledger", mode), this.clock, (event) -> {
				});
		try {
			RedisBudgetLedger ledger = new RedisBudgetLedger(backend, ZoneOffset.UTC);
			backend.probe(); // connected
			long failures = backend.failures();

			// Redis holds its answer until the interrupted caller waits for it
			this.inspector.redis().clientPause(300);
			Thread.currentThread().interrupt();
			try {
				assertThatExceptionOfType(GuardInterruptedException.class)
					.isThrownBy(() -> ledger.reserve(List.of(charge(DAILY, "", 0, 900))))
					.withCauseInstanceOf(InterruptedException.class);
			}
			finally {
				assertThat(Thread.interrupted()).as("the interrupt is kept").isTrue();
			}
			this.inspector.redis().ping(); // answered once the pause is over
			assertThat(backend.probe()).as("answered after what the ledger sent before it on the same connection").isTrue();

			assertThat(backend.failures()).as("an interrupt is not a failure of Redis").isEqualTo(failures);
			assertThat(backend.isAvailable()).isTrue();
			assertThat(usage(DAILY, "").reservedTokens()).as("the reserve that reached Redis is freed").isZero();
		}
		finally {
			backend.close();
		}
	}

	private BudgetReservation reserve(BudgetCharge... charges) {
		return reserve(this.ledger, charges);
	}

	private static BudgetReservation reserve(BudgetLedger ledger, BudgetCharge... charges) {
		ReserveOutcome outcome = ledger.reserve(List.of(charges));
		assertThat(outcome).isInstanceOf(ReserveOutcome.Reserved.class);
		return ((ReserveOutcome.Reserved) outcome).reservation();
	}


	@Test
	void oneInstanceOfTheFleetClaimsABudgetsWarningInAPeriodAndAResetClearsTheClaim() {
		try (SecondInstance other = new SecondInstance()) {
			ReserveOutcome.Reserved call = (ReserveOutcome.Reserved) this.ledger.reserve(List.of(charge(DAILY, "", 0, 900)));
			this.ledger.commit(call.reservation(), 0, 900);
			BudgetWindow today = BudgetPeriods.windowOf(DAILY.period(), this.clock.instant(), ZoneOffset.UTC);

			assertThat(other.ledger.claimWarning(DAILY, "", today.start())).isTrue();
			assertThat(this.ledger.claimWarning(DAILY, "", today.start())).isFalse();
			assertThat(other.ledger.claimWarning(DAILY, "", today.start())).isFalse();
			assertThat(usage(DAILY, "").spentTokens()).isEqualTo(900);

			this.ledger.reset(DAILY, "");
			// no entry: the claim creates none and the caller may warn
			assertThat(this.ledger.claimWarning(DAILY, "", today.start())).isTrue();
			assertThat(this.inspector.keys("ledger*budget*")).isEmpty();
		}
	}

	@Test
	void budgetsOfTwoInstancesRaiseOneWarningForTheirSharedBudget() {
		GuardSettings settings = GuardSettings.builder().budget(DAILY).build();
		List<GuardEvent> events = new CopyOnWriteArrayList<>();
		GuardListener collect = (event) -> {
			if (event instanceof GuardEvent.BudgetWarning) {
				events.add(event);
			}
		};
		try (SecondInstance other = new SecondInstance()) {
			Budgets first = new Budgets(settings, this.ledger, this.clock, collect);
			Budgets second = new Budgets(settings, other.ledger, this.clock, collect);
			// 225, 450, 675, 900, 950 of 1000 tokens: both instances see the budget past warn-at 0.8
			spend(second, 225);
			spend(first, 225);
			spend(second, 225);
			spend(first, 225);
			spend(second, 50);
		}
		assertThat(events).singleElement()
			.satisfies((event) -> assertThat(((GuardEvent.BudgetWarning) event).budget()).isEqualTo("daily"));
	}

	private static void spend(Budgets budgets, long tokens) {
		ReserveOutcome.Reserved call = (ReserveOutcome.Reserved) budgets.reserve(budgets.chargesFor(null, null, 0, tokens));
		budgets.commit(call.reservation(), 0, tokens);
	}

	/** Another application instance: its own connection and ledger on the same Redis and prefix. */
	private final class SecondInstance implements AutoCloseable {

		private final LettuceConnectionFactory factory = RedisTestSupport.connectionFactory(redis.port());

		private final RedisGuardBackend backend = new RedisGuardBackend(this.factory::getRequiredNativeClient,
				RedisTestSupport.options("ledger", RedisFailureMode.FAIL_CLOSED), RedisBudgetLedgerTests.this.clock,
				(event) -> {
				});

		private final RedisBudgetLedger ledger = new RedisBudgetLedger(this.backend, ZoneOffset.UTC);

		@Override
		public void close() {
			this.backend.close();
			this.factory.destroy();
		}

	}

}

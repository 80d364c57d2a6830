package dev.llmguard.core.budget;

import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.RemovalCause;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.llmguard.core.GuardClock;
import dev.llmguard.core.config.BudgetScope;
import dev.llmguard.core.config.BudgetSpec;

/**
 * A {@link BudgetLedger} in this JVM's memory, for a single instance.
 *
 * <p>
 * State is kept per budget, key and period in a Caffeine cache:
 * <ul>
 * <li>every entry expires at the end of its period, so past periods free their memory by themselves;</li>
 * <li>entries of global budgets and entries holding a reservation weigh nothing, so size pressure
 * never evicts them: a reservation cannot be lost and a global budget cannot be forgotten;</li>
 * <li>the other tenant and session entries count against {@code maxKeys}. <b>Known limit:</b> when more
 * tenants or sessions than {@code maxKeys} spend in the same period, the least used entries are
 * evicted and those keys start again from zero, so they could spend more than their budget. A WARN
 * is logged the first time this happens; raise {@code maxKeys} or use the Redis backend.</li>
 * </ul>
 * Every change happens under one lock: operations take microseconds while the calls they guard take
 * seconds, and one lock makes a reservation over several budgets all-or-nothing without lock ordering.
 *
 * <p>
 * Reservations are tracked by id until committed or released, so settling one twice has no effect.
 */
public final class InMemoryBudgetLedger implements BudgetLedger {

	/** Tenant and session entries held by default. */
	public static final int DEFAULT_MAX_KEYS = 100_000;

	private static final Logger logger = LoggerFactory.getLogger(InMemoryBudgetLedger.class);

	private final GuardClock clock;

	private final ZoneId zone;

	private final int maxKeys;

	private final ClockTicker ticker;

	private final Cache<EntryKey, Tally> tallies;

	private final ReentrantLock lock = new ReentrantLock();

	/** Open reservations by id, as the ledger holds them (a reset rewrites them); bounded by calls in flight. */
	private final Map<String, BudgetReservation> open = new ConcurrentHashMap<>();

	private final AtomicBoolean evictionWarned = new AtomicBoolean();

	private final AtomicLong reservationIds = new AtomicLong();

	/**
	 * A ledger holding up to {@link #DEFAULT_MAX_KEYS} tenant and session entries.
	 * @param clock the clock periods are read from
	 * @param zone the time zone of calendar periods (as configured in {@code llm.guard.zone})
	 */
	public InMemoryBudgetLedger(GuardClock clock, ZoneId zone) {
		this(clock, zone, DEFAULT_MAX_KEYS);
	}

	/**
	 * A ledger holding up to {@code maxKeys} tenant and session entries.
	 * @param clock the clock periods are read from
	 * @param zone the time zone of calendar periods (as configured in {@code llm.guard.zone})
	 * @param maxKeys how many tenant and session entries (per budget and period) are held at most
	 */
	public InMemoryBudgetLedger(GuardClock clock, ZoneId zone, int maxKeys) {
		if (maxKeys <= 0) {
			throw new IllegalArgumentException("maxKeys must be positive, was " + maxKeys);
		}
		this.clock = Objects.requireNonNull(clock, "clock");
		this.zone = Objects.requireNonNull(zone, "zone");
		this.maxKeys = maxKeys;
		this.ticker = new ClockTicker(clock);
		this.tallies = Caffeine.newBuilder()
			.maximumWeight(maxKeys)
			.weigher((EntryKey key, Tally tally) -> (key.scope() == BudgetScope.GLOBAL || tally.isReserved()) ? 0 : 1)
			.expireAfter(new UntilPeriodEnd())
			.ticker(this.ticker)
			// maintenance on the calling thread: no background threads, deterministic in tests
			.executor(Runnable::run)
			.evictionListener(this::onEvicted)
			.build();
	}

	@Override
	public ReserveOutcome reserve(List<BudgetCharge> charges) {
		Instant now = this.clock.instant();
		List<BudgetCharge> current = new ArrayList<>(charges.size());
		for (BudgetCharge charge : charges) {
			current.add(charge.inPeriodAt(now, this.zone));
		}
		// ids only need to be unique within this ledger; a counter spares every call a SecureRandom draw
		BudgetReservation reservation = new BudgetReservation(Long.toString(this.reservationIds.incrementAndGet()),
				current);
		if (current.isEmpty()) {
			return new ReserveOutcome.Reserved(reservation, List.of());
		}
		this.lock.lock();
		this.ticker.freeze(now);
		try {
			// check everything first, write only when every charge fits
			Map<EntryKey, Tally> pending = new LinkedHashMap<>();
			for (BudgetCharge charge : current) {
				EntryKey key = EntryKey.of(charge);
				Tally tally = pending.get(key);
				if (tally == null) {
					// quietly: the put below records the use; a recorded read costs a buffer write per call
					tally = orEmpty(this.tallies.policy().getIfPresentQuietly(key), charge.resetsAt());
				}
				if (!tally.fits(charge)) {
					return new ReserveOutcome.Exceeded(charge, tally.usage(key));
				}
				pending.put(key, tally.reserve(charge));
			}
			this.tallies.putAll(pending);
			this.open.put(reservation.id(), reservation);
			List<BudgetUsage> usages = new ArrayList<>(current.size());
			for (BudgetCharge charge : current) {
				EntryKey key = EntryKey.of(charge);
				usages.add(pending.get(key).usage(key));
			}
			return new ReserveOutcome.Reserved(reservation, usages);
		}
		finally {
			this.ticker.thaw();
			this.lock.unlock();
		}
	}

	@Override
	public List<BudgetUsage> commit(BudgetReservation reservation, long actualCostNanos, long actualTokens) {
		if (actualCostNanos < 0 || actualTokens < 0) {
			throw new IllegalArgumentException(
					"actual cost and tokens cannot be negative: cost=" + actualCostNanos + ", tokens=" + actualTokens);
		}
		if (reservation.isEmpty()) {
			return List.of();
		}
		Instant now = this.clock.instant();
		this.lock.lock();
		this.ticker.freeze(now);
		try {
			BudgetReservation held = this.open.remove(reservation.id());
			if (held == null) {
				logger.debug("Budget reservation {} was already settled; commit ignored", reservation.id());
				return currentUsages(reservation);
			}
			List<BudgetUsage> usages = new ArrayList<>(held.charges().size());
			for (BudgetCharge charge : held.charges()) {
				EntryKey key = EntryKey.of(charge);
				if (charge.resetsAt() != null && !now.isBefore(charge.resetsAt())) {
					// the period rolled over while the call ran: free the old period, spend in the new one
					this.tallies.asMap().computeIfPresent(key, (k, tally) -> tally.release(charge));
					BudgetWindow window = BudgetPeriods.windowOf(charge.budget().period(), now, this.zone);
					EntryKey currentKey = key.in(window.start());
					Tally tally = this.tallies.asMap()
						.compute(currentKey,
								(k, old) -> orEmpty(old, window.end()).spend(actualCostNanos, actualTokens));
					usages.add(tally.usage(currentKey));
				}
				else {
					Tally tally = this.tallies.asMap()
						.compute(key, (k, old) -> orEmpty(old, charge.resetsAt())
							.release(charge)
							.spend(actualCostNanos, actualTokens));
					usages.add(tally.usage(key));
				}
			}
			return usages;
		}
		finally {
			this.ticker.thaw();
			this.lock.unlock();
		}
	}

	@Override
	public void release(BudgetReservation reservation) {
		if (reservation.isEmpty()) {
			return;
		}
		this.lock.lock();
		try {
			BudgetReservation held = this.open.remove(reservation.id());
			if (held == null) {
				logger.debug("Budget reservation {} was already settled; release ignored", reservation.id());
				return;
			}
			for (BudgetCharge charge : held.charges()) {
				// an entry of a period that has ended may be gone already: nothing left to free then
				this.tallies.asMap().computeIfPresent(EntryKey.of(charge), (k, tally) -> tally.release(charge));
			}
		}
		finally {
			this.lock.unlock();
		}
	}

	@Override
	public BudgetUsage usage(BudgetSpec budget, String key, Instant periodStart, Instant resetsAt) {
		EntryKey entryKey = new EntryKey(budget.name(), budget.scope(), key, periodStart);
		Tally tally = this.tallies.policy().getIfPresentQuietly(entryKey);
		return (tally != null) ? tally.usage(entryKey) : BudgetUsage.empty(budget.name(), key, periodStart, resetsAt);
	}

	/**
	 * {@inheritDoc}
	 * <p>
	 * Calls of that key still in flight are settled as if they had reserved nothing: their actual
	 * spending counts in the fresh state, and they cannot free what later calls reserved.
	 */
	@Override
	public void reset(BudgetSpec budget, String key) {
		this.lock.lock();
		try {
			this.tallies.asMap()
				.keySet()
				.removeIf((entry) -> entry.budget().equals(budget.name()) && entry.key().equals(key));
			this.open.replaceAll((id, reservation) -> withoutAmountsOf(reservation, budget.name(), key));
		}
		finally {
			this.lock.unlock();
		}
	}

	@Override
	public String backend() {
		return "memory";
	}

	/**
	 * Every entry this ledger holds for one budget (each key and period not yet expired), ordered by
	 * key and period.
	 * @param budgetName the budget's name
	 * @return the usages; for a global budget at most one per period
	 */
	public List<BudgetUsage> usages(String budgetName) {
		List<BudgetUsage> usages = new ArrayList<>();
		this.tallies.asMap().forEach((key, tally) -> {
			if (key.budget().equals(budgetName)) {
				usages.add(tally.usage(key));
			}
		});
		usages.sort(Comparator.comparing(BudgetUsage::key).thenComparing(BudgetUsage::periodStart));
		return usages;
	}

	/** The tenant and session entries this ledger holds at most, as configured. */
	public int maxKeys() {
		return this.maxKeys;
	}

	/** About how many entries (of every scope) are held now. */
	public long estimatedSize() {
		return this.tallies.estimatedSize();
	}

	/** Reservations not yet committed or released. */
	public int openReservations() {
		return this.open.size();
	}

	/** Runs pending evictions and expirations now (for tests). */
	void cleanUp() {
		this.tallies.cleanUp();
	}

	private List<BudgetUsage> currentUsages(BudgetReservation reservation) {
		List<BudgetUsage> usages = new ArrayList<>(reservation.charges().size());
		Instant now = this.clock.instant();
		for (BudgetCharge charge : reservation.charges()) {
			BudgetWindow window = BudgetPeriods.windowOf(charge.budget().period(), now, this.zone);
			usages.add(usage(charge.budget(), charge.key(), window.start(), window.end()));
		}
		return usages;
	}

	private static BudgetReservation withoutAmountsOf(BudgetReservation reservation, String budget, String key) {
		List<BudgetCharge> charges = new ArrayList<>(reservation.charges().size());
		for (BudgetCharge charge : reservation.charges()) {
			boolean reset = charge.budget().name().equals(budget) && charge.key().equals(key);
			charges.add(reset ? new BudgetCharge(charge.budget(), charge.key(), charge.periodStart(),
					charge.resetsAt(), 0, 0) : charge);
		}
		return new BudgetReservation(reservation.id(), charges);
	}

	private static Tally orEmpty(Tally tally, Instant resetsAt) {
		return (tally != null) ? tally : new Tally(0, 0, 0, 0, resetsAt);
	}

	private void onEvicted(EntryKey key, Tally tally, RemovalCause cause) {
		if (cause != RemovalCause.SIZE || !tally.hasSpending()) {
			return;
		}
		if (tally.resetsAt() != null && !this.clock.instant().isBefore(tally.resetsAt())) {
			return;
		}
		if (this.evictionWarned.compareAndSet(false, true)) {
			logger.warn("llm-guard's in-memory budget ledger holds more than {} tenant and session entries: "
					+ "the least used are forgotten and start from zero again, so they may overspend their budgets. "
					+ "Raise the ledger's maximum keys or use llm.guard.backend=redis.", this.maxKeys);
		}
		else {
			logger.debug("Evicted {} budget '{}' entry under size pressure", key.scope(), key.budget());
		}
	}

	/** Entries live until their period ends; reading does not extend them. */
	private final class UntilPeriodEnd implements Expiry<EntryKey, Tally> {

		@Override
		public long expireAfterCreate(EntryKey key, Tally tally, long currentTime) {
			return untilEnd(tally, currentTime);
		}

		@Override
		public long expireAfterUpdate(EntryKey key, Tally tally, long currentTime, long currentDuration) {
			return untilEnd(tally, currentTime);
		}

		@Override
		public long expireAfterRead(EntryKey key, Tally tally, long currentTime, long currentDuration) {
			return currentDuration;
		}

		private long untilEnd(Tally tally, long currentTime) {
			return InMemoryBudgetLedger.this.ticker.until(tally.resetsAt(), currentTime);
		}

	}

	/** Identifies one budget's state for one key in one period. */
	private record EntryKey(String budget, BudgetScope scope, String key, Instant periodStart) {

		static EntryKey of(BudgetCharge charge) {
			return new EntryKey(charge.budget().name(), charge.budget().scope(), charge.key(), charge.periodStart());
		}

		EntryKey in(Instant otherPeriodStart) {
			return new EntryKey(this.budget, this.scope, this.key, otherPeriodStart);
		}

	}

	/** One budget's amounts for one key in one period; immutable so Caffeine re-weighs every change. */
	private record Tally(long spentCost, long reservedCost, long spentTokens, long reservedTokens,
			Instant resetsAt) {

		boolean isReserved() {
			return this.reservedCost > 0 || this.reservedTokens > 0;
		}

		boolean hasSpending() {
			return isReserved() || this.spentCost > 0 || this.spentTokens > 0;
		}

		boolean fits(BudgetCharge charge) {
			BudgetSpec budget = charge.budget();
			// a budget limits only what it declares: max-cost, max-tokens or both
			if (budget.maxCost() != null && sum(this.spentCost, this.reservedCost, charge.costNanos()) > budget
				.maxCostNanos()) {
				return false;
			}
			return budget.maxTokens() == null
					|| sum(this.spentTokens, this.reservedTokens, charge.tokens()) <= budget.maxTokens();
		}

		Tally reserve(BudgetCharge charge) {
			return new Tally(this.spentCost, sum(this.reservedCost, charge.costNanos(), 0), this.spentTokens,
					sum(this.reservedTokens, charge.tokens(), 0), this.resetsAt);
		}

		Tally release(BudgetCharge charge) {
			// never below zero: a reset may have dropped what this charge reserved
			return new Tally(this.spentCost, Math.max(0, this.reservedCost - charge.costNanos()), this.spentTokens,
					Math.max(0, this.reservedTokens - charge.tokens()), this.resetsAt);
		}

		Tally spend(long costNanos, long tokens) {
			return new Tally(sum(this.spentCost, costNanos, 0), this.reservedCost, sum(this.spentTokens, tokens, 0),
					this.reservedTokens, this.resetsAt);
		}

		BudgetUsage usage(EntryKey key) {
			return new BudgetUsage(key.budget(), key.key(), this.spentCost, this.reservedCost, this.spentTokens,
					this.reservedTokens, key.periodStart(), this.resetsAt);
		}

		/** Adds without overflowing: amounts saturate at {@code Long.MAX_VALUE}. */
		private static long sum(long a, long b, long c) {
			long ab = a + b;
			if (((a ^ ab) & (b ^ ab)) < 0) {
				return Long.MAX_VALUE;
			}
			long abc = ab + c;
			if (((ab ^ abc) & (c ^ abc)) < 0) {
				return Long.MAX_VALUE;
			}
			return abc;
		}

	}

}

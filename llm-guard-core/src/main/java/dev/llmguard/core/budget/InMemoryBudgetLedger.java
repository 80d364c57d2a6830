package dev.llmguard.core.budget;

import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.llmguard.core.config.BudgetScope;
import dev.llmguard.core.config.BudgetSpec;
import dev.llmguard.core.time.GuardClock;

/**
 * A {@link BudgetLedger} in this JVM's memory, for a single instance.
 *
 * <p>
 * State is kept per budget, key and period:
 * <ul>
 * <li>every entry expires at the end of its period: the first operation after the earliest period
 * end removes every ended entry, so past periods free their memory;</li>
 * <li>global budgets have one entry per period, kept apart from the others; size pressure never
 * evicts them, and entries holding a reservation are never evicted either: a reservation cannot be
 * lost and a global budget cannot be forgotten;</li>
 * <li>the other tenant and session entries are held up to {@code maxKeys} (plus those holding a
 * reservation). <b>Known limit:</b> when more tenants or sessions than {@code maxKeys} spend in the
 * same period, the least recently used entries are evicted and those keys start again from zero, so
 * they could spend more than their budget. A WARN is logged the first time this happens; raise
 * {@code maxKeys} ({@code llm.guard.memory.max-budget-entries}) or use the Redis backend.</li>
 * </ul>
 * Every operation happens under one lock: operations take well under a microsecond while the calls
 * they guard take seconds, and one lock makes a reservation over several budgets all-or-nothing
 * without lock ordering. Entries change in place, so a call allocates nothing for an entry that
 * exists.
 *
 * <p>
 * Reservations are tracked by id until committed or released, so settling one twice has no effect.
 */
public final class InMemoryBudgetLedger implements BudgetLedger {

	/** Tenant and session entries held by default. */
	public static final int DEFAULT_MAX_KEYS = 100_000;

	private static final Logger logger = LoggerFactory.getLogger(InMemoryBudgetLedger.class);

	/** The id of a reservation without charges (reservation ids are numbers from 1). */
	private static final String NOTHING_HELD = "0";

	private final GuardClock clock;

	private final ZoneId zone;

	private final int maxKeys;

	private final ReentrantLock lock = new ReentrantLock();

	/** Entries of global budgets: one per budget and period. Guarded by {@link #lock}. */
	private final Map<TallyKey, Tally> globals = new HashMap<>();

	/** Tenant and session entries, least recently used first. Guarded by {@link #lock}. */
	private final LinkedHashMap<TallyKey, Tally> keyed = new LinkedHashMap<>(256, 0.75f, true);

	/** The earliest end of a period among the entries held, or {@code null}. Guarded by {@link #lock}. */
	private Instant nextExpiry;

	/** Open reservations by id, as the ledger holds them (a reset rewrites them); bounded by calls in flight. */
	private final Map<String, BudgetReservation> open = new ConcurrentHashMap<>();

	/** Whether the WARN about evicted entries was logged. Guarded by {@link #lock}. */
	private boolean evictionWarned;

	/** The number of the latest reservation. Guarded by {@link #lock}. */
	private long lastReservationId;

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
	 * @param maxKeys how many tenant and session entries (of every budget and period) are held at most
	 */
	public InMemoryBudgetLedger(GuardClock clock, ZoneId zone, int maxKeys) {
		if (maxKeys <= 0) {
			throw new IllegalArgumentException("maxKeys must be positive, was " + maxKeys);
		}
		this.clock = Objects.requireNonNull(clock, "clock");
		this.zone = Objects.requireNonNull(zone, "zone");
		this.maxKeys = maxKeys;
	}

	@Override
	public ReserveOutcome reserve(List<BudgetCharge> charges) {
		Instant now = this.clock.instant();
		int count = charges.size();
		List<BudgetCharge> current = new ArrayList<>(count);
		for (BudgetCharge charge : charges) {
			current.add(charge.inPeriodAt(now, this.zone));
		}
		if (count == 0) {
			// holds nothing, so it is never looked up: commit and release return at once
			return new ReserveOutcome.Reserved(new BudgetReservation(NOTHING_HELD, current), List.of());
		}
		TallyKey[] keys = new TallyKey[count];
		Tally[] tallies = new Tally[count];
		this.lock.lock();
		try {
			expireIfDue(now);
			for (int i = 0; i < count; i++) {
				BudgetCharge charge = current.get(i);
				TallyKey key = TallyKey.of(charge);
				Tally tally = find(key);
				if (tally == null) {
					tally = sameKeyEarlier(keys, tallies, i, key); // a call may charge one new entry twice
				}
				if (tally == null) {
					tally = new Tally(charge.resetsAt());
				}
				if (!tally.fits(charge)) {
					// all or nothing: give back what this call reserved so far, under the same lock
					for (int j = 0; j < i; j++) {
						tallies[j].release(current.get(j));
					}
					return new ReserveOutcome.Exceeded(charge, tally.usage(key));
				}
				tally.reserve(charge);
				keys[i] = key;
				tallies[i] = tally;
			}
			for (int i = 0; i < count; i++) {
				if (tallies[i].isNew()) {
					add(keys[i], tallies[i]);
				}
			}
			// ids only need to be unique within this ledger: a counter under the lock every call takes anyway,
			// not a line of its own that every thread writes
			BudgetReservation reservation = new BudgetReservation(Long.toString(++this.lastReservationId), current);
			this.open.put(reservation.id(), reservation);
			List<BudgetUsage> usages = new ArrayList<>(count);
			for (int i = 0; i < count; i++) {
				usages.add(tallies[i].usage(keys[i]));
			}
			return new ReserveOutcome.Reserved(reservation, usages);
		}
		finally {
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
		try {
			expireIfDue(now);
			BudgetReservation held = this.open.remove(reservation.id());
			if (held == null) {
				logger.debug("Budget reservation {} was already settled; commit ignored", reservation.id());
				return currentUsages(reservation, now);
			}
			List<BudgetUsage> usages = new ArrayList<>(held.charges().size());
			for (BudgetCharge charge : held.charges()) {
				TallyKey key = TallyKey.of(charge);
				Tally reserved = find(key);
				if (reserved != null) {
					// an entry of a period that has ended may be gone already: nothing left to free then
					reserved.release(charge);
				}
				TallyKey spendKey = key;
				Tally spendIn = reserved;
				if (charge.resetsAt() != null && !now.isBefore(charge.resetsAt())) {
					// the period rolled over while the call ran: spend in the period that has begun
					BudgetWindow window = BudgetPeriods.windowOf(charge.budget().period(), now, this.zone);
					spendKey = key.in(window.start());
					spendIn = find(spendKey);
					if (spendIn == null) {
						spendIn = add(spendKey, new Tally(window.end()));
					}
				}
				else if (spendIn == null) {
					// a reset dropped the entry while the call ran: its spending starts the fresh state
					spendIn = add(spendKey, new Tally(charge.resetsAt()));
				}
				spendIn.spend(actualCostNanos, actualTokens);
				usages.add(spendIn.usage(spendKey));
			}
			return usages;
		}
		finally {
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
				Tally tally = find(TallyKey.of(charge));
				if (tally != null) {
					tally.release(charge);
				}
			}
		}
		finally {
			this.lock.unlock();
		}
	}

	@Override
	public BudgetUsage usage(BudgetSpec budget, String key, Instant periodStart, Instant resetsAt) {
		TallyKey entryKey = new TallyKey(budget.name(), budget.scope(), key, periodStart);
		Instant now = this.clock.instant();
		this.lock.lock();
		try {
			Tally tally = find(entryKey);
			return (tally != null && !tally.endedAt(now)) ? tally.usage(entryKey)
					: BudgetUsage.empty(budget.name(), key, periodStart, resetsAt);
		}
		finally {
			this.lock.unlock();
		}
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
			mapOf(budget.scope()).keySet()
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
	 * Every entry this ledger holds for one budget (each key and period not yet ended), ordered by
	 * key and period.
	 * @param budgetName the budget's name
	 * @return the usages; for a global budget at most one per period
	 */
	public List<BudgetUsage> usages(String budgetName) {
		List<BudgetUsage> usages = new ArrayList<>();
		Instant now = this.clock.instant();
		this.lock.lock();
		try {
			Consumer<Map<TallyKey, Tally>> collect = (entries) -> entries.forEach((key, tally) -> {
				if (key.budget().equals(budgetName) && !tally.endedAt(now)) {
					usages.add(tally.usage(key));
				}
			});
			collect.accept(this.globals);
			collect.accept(this.keyed);
		}
		finally {
			this.lock.unlock();
		}
		usages.sort(Comparator.comparing(BudgetUsage::key).thenComparing(BudgetUsage::periodStart));
		return usages;
	}

	/** The tenant and session entries this ledger holds at most, as configured. */
	public int maxKeys() {
		return this.maxKeys;
	}

	/** How many entries (of every scope) are held now, ended ones not yet removed included. */
	public long estimatedSize() {
		this.lock.lock();
		try {
			return this.globals.size() + this.keyed.size();
		}
		finally {
			this.lock.unlock();
		}
	}

	/** Reservations not yet committed or released. */
	public int openReservations() {
		return this.open.size();
	}

	/** Removes the entries of ended periods now rather than at the next reservation or commit (for tests). */
	void cleanUp() {
		Instant now = this.clock.instant();
		this.lock.lock();
		try {
			expireIfDue(now);
		}
		finally {
			this.lock.unlock();
		}
	}

	private Map<TallyKey, Tally> mapOf(BudgetScope scope) {
		return (scope == BudgetScope.GLOBAL) ? this.globals : this.keyed;
	}

	/** The entry for a key, or {@code null}; a tenant or session entry found counts as used. */
	private Tally find(TallyKey key) {
		return mapOf(key.scope()).get(key);
	}

	/** A new entry, held from now on; past {@code maxKeys}, the least recently used idle entry goes. */
	private Tally add(TallyKey key, Tally tally) {
		tally.held();
		mapOf(key.scope()).put(key, tally);
		if (tally.resetsAt() != null && (this.nextExpiry == null || tally.resetsAt().isBefore(this.nextExpiry))) {
			this.nextExpiry = tally.resetsAt();
		}
		if (key.scope() != BudgetScope.GLOBAL && this.keyed.size() > this.maxKeys) {
			evictLeastRecentlyUsed();
		}
		return tally;
	}

	/**
	 * Removes the least recently used entry that holds no reservation. Entries holding one are
	 * skipped, so this walks past at most the calls in flight.
	 */
	private void evictLeastRecentlyUsed() {
		Instant now = null;
		Iterator<Map.Entry<TallyKey, Tally>> entries = this.keyed.entrySet().iterator();
		while (entries.hasNext()) {
			Map.Entry<TallyKey, Tally> eldest = entries.next();
			Tally tally = eldest.getValue();
			if (tally.isReserved()) {
				continue;
			}
			entries.remove();
			if (now == null) {
				now = this.clock.instant();
			}
			if (tally.hasSpending() && !tally.endedAt(now)) {
				warnEvicted(eldest.getKey());
			}
			return;
		}
	}

	/** At or after the earliest period end held, removes every entry whose period has ended. */
	private void expireIfDue(Instant now) {
		if (this.nextExpiry == null || now.isBefore(this.nextExpiry)) {
			return;
		}
		Instant earliest = null;
		for (Map<TallyKey, Tally> entries : List.of(this.globals, this.keyed)) {
			Iterator<Tally> tallies = entries.values().iterator();
			while (tallies.hasNext()) {
				Tally tally = tallies.next();
				if (tally.endedAt(now)) {
					tallies.remove();
				}
				else if (tally.resetsAt() != null && (earliest == null || tally.resetsAt().isBefore(earliest))) {
					earliest = tally.resetsAt();
				}
			}
		}
		this.nextExpiry = earliest;
	}

	private List<BudgetUsage> currentUsages(BudgetReservation reservation, Instant now) {
		List<BudgetUsage> usages = new ArrayList<>(reservation.charges().size());
		for (BudgetCharge charge : reservation.charges()) {
			BudgetWindow window = BudgetPeriods.windowOf(charge.budget().period(), now, this.zone);
			TallyKey key = new TallyKey(charge.budget().name(), charge.budget().scope(), charge.key(), window.start());
			Tally tally = find(key);
			usages.add((tally != null) ? tally.usage(key)
					: BudgetUsage.empty(charge.budget().name(), charge.key(), window.start(), window.end()));
		}
		return usages;
	}

	private static Tally sameKeyEarlier(TallyKey[] keys, Tally[] tallies, int before, TallyKey key) {
		for (int j = 0; j < before; j++) {
			if (keys[j].equals(key)) {
				return tallies[j];
			}
		}
		return null;
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

	private void warnEvicted(TallyKey key) {
		if (!this.evictionWarned) {
			this.evictionWarned = true;
			logger.warn("llm-guard's in-memory budget ledger holds more than {} tenant and session entries: "
					+ "the least recently used are forgotten and start from zero again, so they may overspend their "
					+ "budgets. Raise llm.guard.memory.max-budget-entries or use llm.guard.backend=redis.", this.maxKeys);
		}
		else {
			logger.debug("Evicted {} budget '{}' entry under size pressure", key.scope(), key.budget());
		}
	}

}

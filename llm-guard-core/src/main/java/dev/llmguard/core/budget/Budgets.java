package dev.llmguard.core.budget;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.stream.Collectors;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.llmguard.core.config.BudgetPeriod;
import dev.llmguard.core.config.BudgetScope;
import dev.llmguard.core.config.BudgetSpec;
import dev.llmguard.core.config.GuardSettings;
import dev.llmguard.core.config.OnExceeded;
import dev.llmguard.core.event.GuardEvent;
import dev.llmguard.core.event.GuardListener;
import dev.llmguard.core.model.Money;
import dev.llmguard.core.time.GuardClock;

/**
 * The configured budgets, as the engine uses them: which budgets a call is charged to, reserving
 * and settling through a {@link BudgetLedger}, {@code warn-at} warnings, and the exception for a
 * call no budget can afford (the exception itself is made by the pipeline).
 *
 * <p>
 * A warning is raised once per budget, key and period, the first time committed spend reaches
 * {@code warn-at} of the limit: one {@link GuardEvent.BudgetWarning} and one WARN line, which tells
 * beside it what calls in flight hold reserved. Reservations are worst cases that mostly come back, so
 * they never raise a warning. The WARN line names a tenant or session only by a short hash, so logs do not
 * collect customer identifiers; the event carries the key for the events endpoint.
 * <p>
 * Every budget has a {@linkplain #forecast burn-rate forecast}. Global budgets keep a minute-by-minute
 * history of their committed totals over the last {@link #FORECAST_WINDOW} ({@link SpendHistory}, fixed
 * size), and raise one {@link GuardEvent.BudgetForecast} and one WARN line per period when the spend
 * of that window, kept up, exhausts the budget before the period ends. Tenant and session budgets keep
 * no history (it would grow with the keys): their forecast, on request, takes the average since the
 * period started.
 */
public final class Budgets {

	private static final Logger logger = LoggerFactory.getLogger(Budgets.class);

	/** Budget, key and period combinations remembered as warned; a forgotten one may warn again. */
	private static final int MAX_WARNED = 100_000;

	/** Stands for "never" in the warned set, which cannot hold {@code null}. */
	private static final Instant NEVER = Instant.MAX;

	/** The recent spend a global budget's forecast takes its rate from. */
	public static final Duration FORECAST_WINDOW = Duration.ofMinutes(30);

	/** Less spend history than this gives no forecast: one early call would say anything. */
	static final Duration MIN_FORECAST_SPAN = Duration.ofMinutes(1);

	/** Less history than this raises no forecast event, so a busy first minute of a period does not cry wolf. */
	static final Duration MIN_WARNING_SPAN = Duration.ofMinutes(5);

	private static final Comparator<BudgetSpec> CHARGE_ORDER = Comparator.comparing(BudgetSpec::scope)
		.thenComparing(BudgetSpec::name);

	private final GuardSettings settings;

	private final BudgetLedger ledger;

	private final GuardClock clock;

	private final GuardListener events;

	/** Replaced as a whole when a budget changes at runtime ({@link #replace}). */
	private volatile List<BudgetSpec> budgets;

	private volatile Map<String, BudgetSpec> budgetsByName;

	/**
	 * {@code warn-at} of each configured budget as whole amounts, so the check on every call needs no
	 * BigDecimal; by identity, since charges carry the configured budgets themselves.
	 */
	private volatile Map<BudgetSpec, WarnThreshold> warnThresholds;

	private final Cache<WarnKey, Instant> warned;

	/** The recent spend of each global budget, by name; bounded by configuration. */
	private final Map<String, SpendHistory> histories;

	/** The latest window of each period, by ordinal: periods only change at their ends. */
	private final AtomicReferenceArray<BudgetWindow> windows = new AtomicReferenceArray<>(
			BudgetPeriod.values().length);

	/**
	 * @param settings the configuration; its budgets and time zone are used
	 * @param ledger where spending is counted
	 * @param clock the clock periods are read from
	 * @param events receives budget warnings
	 */
	public Budgets(GuardSettings settings, BudgetLedger ledger, GuardClock clock, GuardListener events) {
		this.settings = Objects.requireNonNull(settings, "settings");
		this.ledger = Objects.requireNonNull(ledger, "ledger");
		this.clock = Objects.requireNonNull(clock, "clock");
		this.events = Objects.requireNonNull(events, "events");
		// a fixed order (global, tenant, session, then by name) makes the reported budget predictable
		this.budgets = settings.budgets().values().stream().sorted(CHARGE_ORDER).toList();
		this.budgetsByName = settings.budgets();
		IdentityHashMap<BudgetSpec, WarnThreshold> thresholds = new IdentityHashMap<>();
		this.budgets.forEach((budget) -> thresholds.put(budget, WarnThreshold.of(budget)));
		this.warnThresholds = thresholds;
		Map<String, SpendHistory> histories = new java.util.HashMap<>();
		this.budgets.stream()
			.filter((budget) -> budget.scope() == BudgetScope.GLOBAL)
			.forEach((budget) -> histories.put(budget.name(), new SpendHistory(FORECAST_WINDOW)));
		this.histories = Map.copyOf(histories);
		ClockTicker ticker = new ClockTicker(clock);
		this.warned = Caffeine.newBuilder()
			.maximumSize(MAX_WARNED)
			.expireAfter(Expiry.<WarnKey, Instant>writing(
					(key, resetsAt) -> Duration.ofNanos(ticker.until(asNullable(resetsAt), ticker.read()))))
			.ticker(ticker)
			.executor(Runnable::run)
			.build();
	}

	/**
	 * The charges a call makes: one per configured budget that applies to it, in its current period.
	 * Global budgets always apply (key {@code ""}), tenant budgets when a tenant is known, session
	 * budgets when a session is known.
	 * @param tenant the call's tenant, or {@code null}
	 * @param session the call's session, or {@code null}
	 * @param costNanos the call's worst-case cost in nano-dollars
	 * @param tokens the call's worst-case tokens (input plus maximum output)
	 * @return the charges, global first; empty when no budget applies
	 */
	public List<BudgetCharge> chargesFor(String tenant, String session, long costNanos, long tokens) {
		if (costNanos < 0 || tokens < 0) {
			throw new IllegalArgumentException(
					"a call cannot cost a negative amount: cost=" + costNanos + ", tokens=" + tokens);
		}
		Instant now = this.clock.instant();
		List<BudgetCharge> charges = new ArrayList<>(this.budgets.size());
		for (BudgetSpec budget : this.budgets) {
			String key = switch (budget.scope()) {
				case GLOBAL -> "";
				case TENANT -> tenant;
				case SESSION -> session;
			};
			if (key != null) {
				BudgetWindow window = windowAt(budget.period(), now);
				charges.add(new BudgetCharge(budget, key, window.start(), window.end(), costNanos, tokens));
			}
		}
		return charges;
	}

	/** The window of a period that holds {@code now}, computed again only once the last one has ended. */
	private BudgetWindow windowAt(BudgetPeriod period, Instant now) {
		BudgetWindow latest = this.windows.get(period.ordinal());
		if (latest != null && latest.contains(now)) {
			return latest;
		}
		BudgetWindow window = BudgetPeriods.windowOf(period, now, this.settings.zone());
		this.windows.set(period.ordinal(), window);
		return window;
	}

	/**
	 * Reserves every charge or none. A budget whose spend reached its {@code warn-at} already (and
	 * whose warning this instance has not raised yet) warns here too.
	 * @param charges the charges of one call, from {@link #chargesFor}
	 * @return the reservation, or the first budget that cannot afford the call
	 */
	public ReserveOutcome reserve(List<BudgetCharge> charges) {
		ReserveOutcome outcome = this.ledger.reserve(charges);
		if (outcome instanceof ReserveOutcome.Reserved reserved) {
			warnWhereDue(reserved.reservation().charges(), reserved.usages());
		}
		else if (outcome instanceof ReserveOutcome.Exceeded exceeded && logger.isDebugEnabled()) {
			logger.debug("Budget '{}' ({} {}) cannot afford a call", exceeded.charge().budget().name(),
					scopeName(exceeded.charge().budget()), keyLabel(exceeded.charge()));
		}
		return outcome;
	}

	/**
	 * Reserves every charge or none, like {@link #reserve(List)}, where the budgets named in
	 * {@code uncapped} (in shadow mode) never refuse: their charges are reserved past the cap if need be,
	 * and count as spend like any other.
	 * @param charges the charges of one call, from {@link #chargesFor}
	 * @param uncapped names of budgets whose cap does not refuse the call
	 * @return the reservation (of the charges as given), or the first capped budget that cannot afford the call
	 */
	public ReserveOutcome reserve(List<BudgetCharge> charges, java.util.Set<String> uncapped) {
		if (uncapped.isEmpty()) {
			return reserve(charges);
		}
		List<BudgetCharge> asked = new ArrayList<>(charges.size());
		for (BudgetCharge charge : charges) {
			asked.add(uncapped.contains(charge.budget().name()) ? new BudgetCharge(charge.budget().uncapped(),
					charge.key(), charge.periodStart(), charge.resetsAt(), charge.costNanos(), charge.tokens())
					: charge);
		}
		ReserveOutcome outcome = this.ledger.reserve(asked);
		if (outcome instanceof ReserveOutcome.Reserved reserved) {
			// the reservation names the budgets as configured, so warnings and forecasts see their caps
			BudgetReservation reservation = new BudgetReservation(reserved.reservation().id(), charges);
			if (reserved.usages().size() == charges.size()) {
				warnWhereDue(charges, reserved.usages());
			}
			return new ReserveOutcome.Reserved(reservation, reserved.usages());
		}
		return outcome;
	}

	/**
	 * Settles a reservation with what the call actually used; the rest of the reservation is freed.
	 * @param reservation the reservation from {@link #reserve}
	 * @param actualCostNanos the call's actual cost in nano-dollars
	 * @param actualTokens the call's actual tokens
	 */
	public void commit(BudgetReservation reservation, long actualCostNanos, long actualTokens) {
		List<BudgetUsage> usages = this.ledger.commit(reservation, actualCostNanos, actualTokens);
		if (usages.size() == reservation.charges().size()) {
			warnWhereDue(reservation.charges(), usages);
			sample(reservation.charges(), usages);
		}
	}

	/** Gives a reservation back unspent (the call failed before it used anything, or was cancelled). */
	public void release(BudgetReservation reservation) {
		this.ledger.release(reservation);
	}

	/**
	 * Changes a budget at runtime (max-cost, max-tokens, warn-at): the next call is charged against the
	 * new limits; what was spent and reserved stays. Calls in flight settle what they reserved.
	 * @param budget the budget's new definition, with the name, scope and period of a configured one
	 * @throws IllegalArgumentException when no budget has that name, or its scope or period differ
	 */
	public synchronized void replace(BudgetSpec budget) {
		BudgetSpec current = require(budget.name());
		if (current.scope() != budget.scope() || current.period() != budget.period()) {
			throw new IllegalArgumentException("Budget '" + budget.name() + "': scope and period change only with a restart");
		}
		List<BudgetSpec> budgets = this.budgets.stream()
			.map((spec) -> spec.name().equals(budget.name()) ? budget : spec)
			.toList();
		Map<String, BudgetSpec> byName = new java.util.HashMap<>(this.budgetsByName);
		byName.put(budget.name(), budget);
		IdentityHashMap<BudgetSpec, WarnThreshold> thresholds = new IdentityHashMap<>();
		budgets.forEach((spec) -> thresholds.put(spec, WarnThreshold.of(spec)));
		this.warnThresholds = thresholds;
		this.budgetsByName = Map.copyOf(byName);
		this.budgets = budgets;
	}

	/**
	 * The time zone of calendar periods, in which a budget's reset is told.
	 * @return the configured zone
	 */
	public ZoneId zone() {
		return this.settings.zone();
	}

	/**
	 * Whether the budget that could not afford a call sends it to the next model of its chain.
	 * @param exceeded the outcome of {@link #reserve}
	 * @return {@code true} for {@code on-exceeded: downgrade}, {@code false} for {@code reject}
	 */
	public boolean anyDowngrade(ReserveOutcome.Exceeded exceeded) {
		return exceeded.charge().budget().onExceeded() == OnExceeded.DOWNGRADE;
	}

	/** The configured budgets, global first, then tenant and session budgets, each by name. */
	public List<BudgetSpec> budgets() {
		return this.budgets;
	}

	/** The configured budget of that name. */
	public Optional<BudgetSpec> budget(String name) {
		return Optional.ofNullable(this.budgetsByName.get(name));
	}

	/**
	 * One budget's usage for a key in the current period.
	 * @param budget the budget's name
	 * @param key the tenant or session; ignored for a global budget
	 * @return the usage (zero when nothing was spent)
	 * @throws IllegalArgumentException when no budget has that name
	 */
	public BudgetUsage usage(String budget, String key) {
		BudgetSpec spec = require(budget);
		BudgetWindow window = windowAt(spec.period(), this.clock.instant());
		return this.ledger.usage(spec, keyOf(spec, key), window.start(), window.end());
	}

	/**
	 * Forgets one budget's spending and reservations for a key (all periods); its warning may be
	 * raised again.
	 * @param budget the budget's name
	 * @param key the tenant or session; ignored for a global budget
	 * @throws IllegalArgumentException when no budget has that name
	 */
	public void reset(String budget, String key) {
		BudgetSpec spec = require(budget);
		String entryKey = keyOf(spec, key);
		this.ledger.reset(spec, entryKey);
		SpendHistory history = this.histories.get(spec.name());
		if (history != null) {
			history.reset();
		}
		this.warned.asMap()
			.keySet()
			.removeIf((warnKey) -> warnKey.budget().equals(spec.name()) && warnKey.key().equals(entryKey));
		logger.info("Budget '{}' ({} {}) was reset", spec.name(), scopeName(spec), keyLabel(spec, entryKey));
	}

	/**
	 * Where one budget's spend is heading: the rate of the last {@link #FORECAST_WINDOW} for a global
	 * budget (less early in the period or after a start), the average since the period started for a
	 * tenant or session budget. A global budget's forecast may raise its {@code budget-forecast} event.
	 * @param budget the budget's name
	 * @param key the tenant or session; ignored for a global budget
	 * @return the forecast, or {@code null} while there is too little history (under a minute), and for
	 * tenant and session budgets with period {@code none}, which keep no history
	 * @throws IllegalArgumentException when no budget has that name
	 */
	public BudgetForecast forecast(String budget, String key) {
		BudgetSpec spec = require(budget);
		Instant now = this.clock.instant();
		BudgetWindow window = windowAt(spec.period(), now);
		BudgetUsage usage = this.ledger.usage(spec, keyOf(spec, key), window.start(), window.end());
		SpendHistory history = this.histories.get(spec.name());
		if (history == null) {
			return sincePeriodStart(spec, usage, now);
		}
		BudgetForecast observed = history.forecast(spec, usage, now);
		history.record(now, usage);
		warnIfRunningOut(spec, history, observed);
		// until this instance has seen a minute of spend, the period's average is all there is
		return (observed != null) ? observed : sincePeriodStart(spec, usage, now);
	}

	/** The forecast from the period's start, when the totals were zero; none for a budget without period. */
	static BudgetForecast sincePeriodStart(BudgetSpec budget, BudgetUsage usage, Instant at) {
		if (usage.resetsAt() == null || Duration.between(usage.periodStart(), at).compareTo(MIN_FORECAST_SPAN) < 0) {
			return null;
		}
		return BudgetForecast.of(budget, usage, at, usage.periodStart(), 0, 0);
	}

	/** Adds the totals a commit reported to the global budgets' histories; a new minute's sample checks the forecast. */
	private void sample(List<BudgetCharge> charges, List<BudgetUsage> usages) {
		Instant now = null;
		for (int i = 0; i < charges.size(); i++) {
			BudgetSpec budget = charges.get(i).budget();
			if (budget.scope() != BudgetScope.GLOBAL) {
				continue;
			}
			SpendHistory history = this.histories.get(budget.name());
			if (history == null) {
				continue; // a budget that is not the configured one
			}
			now = (now != null) ? now : this.clock.instant();
			BudgetUsage usage = usages.get(i);
			if (history.record(now, usage)) {
				warnIfRunningOut(budget, history, history.forecast(budget, usage, now));
			}
		}
	}

	/**
	 * One {@code budget-forecast} event and WARN line per period, fleet-wide with a shared ledger, when
	 * the rate of spend observed lately (at least {@link #MIN_WARNING_SPAN} of it; never the period's
	 * average, which says little about now) exhausts the budget before its period ends.
	 */
	private void warnIfRunningOut(BudgetSpec budget, SpendHistory history, BudgetForecast forecast) {
		if (forecast == null || !forecast.runsOutBeforeReset() || forecast.window().compareTo(MIN_WARNING_SPAN) < 0) {
			return;
		}
		Instant periodStart = windowAt(budget.period(), forecast.at()).start();
		if (!history.firstWarningOf(periodStart)
				|| !this.ledger.claimForecast(budget, forecast.key(), periodStart)) {
			return;
		}
		ZonedDateTime runsOut = forecast.exhaustsAt().atZone(this.settings.zone());
		logger.warn(
				"llm-guard budget '{}' runs out at {} ({}) at the rate of the last {} minutes ({} and {} tokens per hour); "
						+ "it resets at {}",
				budget.name(), runsOut.toLocalTime().truncatedTo(ChronoUnit.MINUTES), forecast.exhaustsAt(),
				forecast.window().toMinutes(), Money.format(forecast.costNanosPerHour()),
				forecast.tokensPerHour(), forecast.resetsAt());
		this.events.onEvent(new GuardEvent.BudgetForecast(this.clock.instant(), budget.name(), forecast.key(),
				forecast.exhaustsAt(), forecast.resetsAt(), forecast.window(), forecast.costNanosPerHour(),
				forecast.tokensPerHour(), periodStart));
	}

	/** The state of every global budget in its current period, global budgets in name order. */
	public List<BudgetStatus> globalStatuses() {
		Instant now = this.clock.instant();
		List<BudgetStatus> statuses = new ArrayList<>();
		for (BudgetSpec budget : this.budgets) {
			if (budget.scope() == BudgetScope.GLOBAL) {
				BudgetWindow window = windowAt(budget.period(), now);
				BudgetUsage usage = this.ledger.usage(budget, "", window.start(), window.end());
				BigDecimal share = usedShare(budget, usage);
				statuses.add(new BudgetStatus(budget, usage, share.doubleValue(), pastWarnAt(budget, usage)));
			}
		}
		return statuses;
	}

	/** The ledger's backend: {@code memory} or {@code redis}. */
	public String backend() {
		return this.ledger.backend();
	}

	private void warnWhereDue(List<BudgetCharge> charges, List<BudgetUsage> usages) {
		for (int i = 0; i < charges.size(); i++) {
			BudgetSpec budget = charges.get(i).budget();
			BudgetUsage usage = usages.get(i);
			if (pastWarnAt(budget, usage)) {
				WarnKey key = new WarnKey(budget.name(), usage.key(), usage.periodStart());
				Instant resetsAt = (usage.resetsAt() != null) ? usage.resetsAt() : NEVER;
				// putIfAbsent is atomic: of many threads crossing together, exactly one warns; a shared
				// ledger then lets one instance of the fleet warn
				if (this.warned.asMap().putIfAbsent(key, resetsAt) == null
						&& this.ledger.claimWarning(budget, usage.key(), usage.periodStart())) {
					warn(budget, usage);
				}
			}
		}
	}

	private void warn(BudgetSpec budget, BudgetUsage usage) {
		BigDecimal share = usedShare(budget, usage);
		logger.warn(
				"llm-guard budget '{}' ({} {}) has spent {}% of its limit (warn-at {}%; {}% more reserved by calls in flight) in the period {} .. {}",
				budget.name(), scopeName(budget), keyLabel(budget, usage.key()), percent(share),
				percent(BigDecimal.valueOf(budget.warnAt())), percent(reservedShare(budget, usage)),
				usage.periodStart(), (usage.resetsAt() != null) ? usage.resetsAt() : "never");
		this.events.onEvent(new GuardEvent.BudgetWarning(this.clock.instant(), budget.name(), usage.key(),
				share.doubleValue(), usage.periodStart()));
	}

	private boolean pastWarnAt(BudgetSpec budget, BudgetUsage usage) {
		WarnThreshold threshold = this.warnThresholds.get(budget);
		if (threshold == null) {
			threshold = WarnThreshold.of(budget); // a budget that is not the configured one: compute it afresh
		}
		return threshold.reachedBy(usage);
	}

	/**
	 * A budget's {@code warn-at} in whole nano-dollars and tokens: {@code ceil(limit * warnAt)}, so that
	 * {@code used >= threshold} is exactly {@code used >= limit * warnAt} for whole amounts.
	 * @param cost the cost threshold, or {@code -1} without max-cost
	 * @param tokens the token threshold, or {@code -1} without max-tokens
	 */
	private record WarnThreshold(BudgetSpec budget, long cost, long tokens) {

		static WarnThreshold of(BudgetSpec budget) {
			BigDecimal warnAt = BigDecimal.valueOf(budget.warnAt());
			return new WarnThreshold(budget, (budget.maxCost() != null) ? ceil(budget.maxCostNanos(), warnAt) : -1,
					(budget.maxTokens() != null) ? ceil(budget.maxTokens(), warnAt) : -1);
		}

		private static long ceil(long limit, BigDecimal warnAt) {
			return BigDecimal.valueOf(limit)
				.multiply(warnAt)
				.setScale(0, RoundingMode.CEILING)
				.min(BigDecimal.valueOf(Long.MAX_VALUE))
				.longValue();
		}

		/** Committed spend only: reservations are worst cases that mostly come back. */
		boolean reachedBy(BudgetUsage usage) {
			return (this.cost >= 0 && usage.spentCostNanos() >= this.cost)
					|| (this.tokens >= 0 && usage.spentTokens() >= this.tokens);
		}

	}

	/** The share of the budget's limit spent (committed), the larger of cost and tokens. */
	private static BigDecimal usedShare(BudgetSpec budget, BudgetUsage usage) {
		BigDecimal share = BigDecimal.ZERO;
		if (budget.maxCost() != null) {
			share = share.max(share(usage.spentCostNanos(), budget.maxCostNanos()));
		}
		if (budget.maxTokens() != null) {
			share = share.max(share(usage.spentTokens(), budget.maxTokens()));
		}
		return share;
	}

	/** The share of the budget's limit held by reservations of calls in flight. */
	private static BigDecimal reservedShare(BudgetSpec budget, BudgetUsage usage) {
		BigDecimal share = BigDecimal.ZERO;
		if (budget.maxCost() != null) {
			share = share.max(share(usage.reservedCostNanos(), budget.maxCostNanos()));
		}
		if (budget.maxTokens() != null) {
			share = share.max(share(usage.reservedTokens(), budget.maxTokens()));
		}
		return share;
	}

	private static BigDecimal share(long amount, long limit) {
		if (limit <= 0) {
			return BigDecimal.ONE;
		}
		return BigDecimal.valueOf(amount).divide(BigDecimal.valueOf(limit), 6, RoundingMode.HALF_UP);
	}

	private static String percent(BigDecimal share) {
		return share.movePointRight(2).setScale(1, RoundingMode.HALF_UP).toPlainString();
	}

	private BudgetSpec require(String name) {
		BudgetSpec spec = this.budgetsByName.get(name);
		if (spec == null) {
			throw new IllegalArgumentException("No budget named '" + name + "'; configured budgets: "
					+ this.budgets.stream().map(BudgetSpec::name).collect(Collectors.joining(", ", "[", "]")));
		}
		return spec;
	}

	private static String keyOf(BudgetSpec budget, String key) {
		if (budget.scope() == BudgetScope.GLOBAL) {
			return "";
		}
		return Objects.requireNonNull(key, () -> "budget '" + budget.name() + "' needs a " + scopeName(budget));
	}

	private static String scopeName(BudgetSpec budget) {
		return budget.scope().name().toLowerCase(Locale.ROOT);
	}

	private static String keyLabel(BudgetCharge charge) {
		return keyLabel(charge.budget(), charge.key());
	}

	/** A tenant or session as a short hash, so log lines can be correlated without naming customers. */
	private static String keyLabel(BudgetSpec budget, String key) {
		if (budget.scope() == BudgetScope.GLOBAL) {
			return "budget";
		}
		return "#" + shortHash(key);
	}

	static String shortHash(String key) {
		try {
			byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
			return HexFormat.of().formatHex(digest, 0, 4);
		}
		catch (NoSuchAlgorithmException ex) {
			// every Java platform has SHA-256
			throw new IllegalStateException(ex);
		}
	}

	private static Instant asNullable(Instant resetsAt) {
		return NEVER.equals(resetsAt) ? null : resetsAt;
	}

	/** A budget, key and period that has already warned. */
	private record WarnKey(String budget, String key, Instant periodStart) {
	}

}

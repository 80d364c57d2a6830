package dev.llmguard.redis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.llmguard.core.budget.BudgetCharge;
import dev.llmguard.core.budget.BudgetLedger;
import dev.llmguard.core.budget.BudgetPeriods;
import dev.llmguard.core.budget.BudgetReservation;
import dev.llmguard.core.budget.BudgetUsage;
import dev.llmguard.core.budget.BudgetWindow;
import dev.llmguard.core.budget.ReserveOutcome;
import dev.llmguard.core.config.BudgetPeriod;
import dev.llmguard.core.config.BudgetSpec;
import dev.llmguard.core.time.GuardClock;

/**
 * A {@link BudgetLedger} shared by every instance through Redis. Reserving over every budget of a
 * call, committing and releasing are each one Lua script, so they are atomic and cost one round
 * trip (see {@link BudgetScripts}).
 * <p>
 * Every reservation is recorded with a lease ({@link RedisGuardOptions#reservationLease()}); the
 * reserve script reclaims reservations whose lease has passed, which is how the capacity held by an
 * instance that crashed mid-call comes back. The instance holding a reservation renews its lease
 * while the call runs, so calls may last longer than a lease: every quarter lease, one script
 * extends all of its reservations whose lease is half gone, on the Lettuce client's event executors.
 * An instance that dies renews nothing, and its reservations are reclaimed within one lease. A call
 * still unsettled after {@link #LONGEST_CALL} is taken for lost and its lease left to run out. A
 * commit after the lease still counts the spending.
 * <p>
 * Usage entries expire when their period has ended (an hour later), entries of budgets without a
 * period after {@link RedisGuardOptions#idleTtl()} without activity. Periods and leases are read on
 * Redis's clock ({@link RedisGuardBackend#time()}), the same for every instance.
 * <p>
 * While Redis fails: fail-open reserves locally (the call is admitted, its spending is counted in
 * Redis at commit if Redis is back by then); fail-closed throws
 * {@link GuardBackendUnavailableException}. Commit and release never throw; what they could not
 * write is counted as a failure, and an open reservation is reclaimed when its lease ends.
 */
public final class RedisBudgetLedger implements BudgetLedger {

	private static final Logger logger = LoggerFactory.getLogger(RedisBudgetLedger.class);

	/** Reservations admitted without Redis carry this id prefix; releasing them needs no Redis. */
	static final String LOCAL = "local-";

	/** How long a usage entry outlives its period, for late commits and for reading it. */
	private static final Duration AFTER_PERIOD = Duration.ofHours(1);

	/** How long a settled or reclaimed reservation record stays, so a late commit is recognised. */
	private static final Duration RECORD_GRACE = Duration.ofDays(1);

	/** How long a reservation's lease is renewed at most: a call lasting longer is taken for lost. */
	static final Duration LONGEST_CALL = Duration.ofDays(1);

	private final RedisGuardBackend backend;

	private final RedisKeys keys;

	private final GuardClock clock;

	private final ZoneId zone;

	/** The key of the open reservations' set and the prefix of reservation records, built once. */
	private final byte[] openKey;

	private final byte[] recordPrefix;

	/** This instance's reservations in Redis not yet settled. */
	private final RedisLeases<Lease> leases;

	/** The last usage key built per global budget, by budget name; bounded by configuration. */
	private final ConcurrentHashMap<String, GlobalKey> globalKeys = new ConcurrentHashMap<>();

	/**
	 * @param backend the connection and failure mode
	 * @param zone the time zone of calendar periods ({@code llm.guard.zone})
	 */
	public RedisBudgetLedger(RedisGuardBackend backend, ZoneId zone) {
		this.backend = Objects.requireNonNull(backend, "backend");
		this.keys = backend.keys();
		this.clock = backend.time();
		this.zone = Objects.requireNonNull(zone, "zone");
		this.openKey = bytes(this.keys.openReservations());
		this.recordPrefix = bytes(this.keys.reservationPrefix());
		this.leases = new RedisLeases<>(backend, this.clock, "Budget reservation",
				() -> backend.options().reservationLease(), this::renew);
	}

	@Override
	public ReserveOutcome reserve(List<BudgetCharge> charges) {
		Instant now = this.clock.instant();
		List<BudgetCharge> current = new ArrayList<>(charges.size());
		for (BudgetCharge charge : charges) {
			current.add(charge.inPeriodAt(now, this.zone));
		}
		String id = this.backend.newId();
		if (current.isEmpty()) {
			return new ReserveOutcome.Reserved(new BudgetReservation(id, current), List.of());
		}
		int n = current.size();
		byte[][] keys = new byte[n + 2][];
		keys[0] = this.openKey;
		// the id is this backend's own, plain in a key segment
		byte[] record = RedisKeys.concat(this.recordPrefix, bytes(id));
		keys[1] = record;
		byte[][] args = new byte[5 + 5 * n][];
		long nowMs = now.toEpochMilli();
		long deadlineMs = nowMs + this.backend.options().reservationLease().toMillis();
		args[0] = number(nowMs);
		args[1] = number(deadlineMs);
		args[2] = number(recordTtl().toMillis());
		args[3] = bytes(id);
		args[4] = this.recordPrefix;
		for (int i = 0; i < n; i++) {
			BudgetCharge charge = current.get(i);
			BudgetSpec budget = charge.budget();
			keys[2 + i] = usageKey(charge);
			int a = 5 + 5 * i;
			args[a] = number(charge.costNanos());
			args[a + 1] = number(charge.tokens());
			args[a + 2] = number((budget.maxCost() != null) ? budget.maxCostNanos() : -1);
			args[a + 3] = number((budget.maxTokens() != null) ? budget.maxTokens() : -1);
			args[a + 4] = number(usageTtlArgument(charge.resetsAt(), now));
		}
		byte[][] usageKeys = Arrays.copyOfRange(keys, 2, n + 2);
		// a reserve whose answer did not come may still run in Redis: its money is freed at once, not one lease later
		ReserveOutcome outcome = this.backend.call("budget reserve",
				() -> this.backend.eval(BudgetScripts.RESERVE, keys, args).thenApply((r) -> reserved(id, current, r)),
				() -> admittedLocally(current), () -> freeInRedis(id, record, usageKeys));
		if (outcome instanceof ReserveOutcome.Reserved reserved && reserved.reservation().id().equals(id)) {
			this.leases.hold(id, new Lease(nowMs, deadlineMs, record, usageKeys)); // renewed until settled
		}
		return outcome;
	}

	private static ReserveOutcome reserved(String id, List<BudgetCharge> charges, List<Object> reply) {
		if ("1".equals(RedisKeys.text(reply.get(0)))) {
			List<BudgetUsage> usages = new ArrayList<>(charges.size());
			for (int i = 0; i < charges.size(); i++) {
				usages.add(usage(charges.get(i), reply, 1 + 4 * i));
			}
			return new ReserveOutcome.Reserved(new BudgetReservation(id, charges), usages);
		}
		BudgetCharge refused = charges.get(Integer.parseInt(RedisKeys.text(reply.get(1))) - 1);
		return new ReserveOutcome.Exceeded(refused, usage(refused, reply, 2));
	}

	/** Fail-open: the call goes ahead; its reservation exists only here. */
	private ReserveOutcome admittedLocally(List<BudgetCharge> charges) {
		List<BudgetUsage> usages = new ArrayList<>(charges.size());
		for (BudgetCharge charge : charges) {
			usages.add(BudgetUsage.empty(charge.budget().name(), charge.key(), charge.periodStart(), charge.resetsAt()));
		}
		return new ReserveOutcome.Reserved(new BudgetReservation(LOCAL + UUID.randomUUID(), charges), usages);
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
		Lease lease = this.leases.remove(reservation.id());
		Instant now = this.clock.instant();
		List<BudgetCharge> charges = reservation.charges();
		int n = charges.size();
		byte[][] held = held(lease, n);
		byte[][] keys = new byte[2 + 2 * n][];
		keys[0] = this.openKey;
		keys[1] = (held != null) ? lease.record() : bytes(this.keys.reservation(reservation.id()));
		byte[][] args = new byte[4 + n][];
		args[0] = bytes(reservation.id());
		args[1] = number(actualCostNanos);
		args[2] = number(actualTokens);
		args[3] = number(recordTtl().toMillis());
		List<BudgetCharge> spentIn = new ArrayList<>(n);
		for (int i = 0; i < n; i++) {
			BudgetCharge charge = charges.get(i);
			// the period may have rolled over while the call ran: free the old one, spend in the new one
			BudgetCharge current = charge.inPeriodAt(now, this.zone);
			spentIn.add(current);
			keys[2 + 2 * i] = (held != null) ? held[i] : usageKey(charge);
			keys[3 + 2 * i] = current.periodStart().equals(charge.periodStart()) ? keys[2 + 2 * i] : usageKey(current);
			args[4 + i] = number(usageTtlArgument(current.resetsAt(), now));
		}
		List<BudgetUsage> usages = this.backend.callQuietly("budget commit",
				() -> this.backend.eval(BudgetScripts.COMMIT, keys, args).thenApply((reply) -> {
					if (!"1".equals(RedisKeys.text(reply.get(0)))) {
						logger.debug("Budget reservation {} was already settled; commit ignored", reservation.id());
					}
					List<BudgetUsage> after = new ArrayList<>(n);
					for (int i = 0; i < n; i++) {
						after.add(usage(spentIn.get(i), reply, 1 + 4 * i));
					}
					return after;
				}));
		if (usages == null) {
			logger.debug("Budget commit of {} not recorded: Redis failed", reservation.id());
			return List.of();
		}
		return usages;
	}

	@Override
	public void release(BudgetReservation reservation) {
		if (reservation.isEmpty() || reservation.id().startsWith(LOCAL)) {
			return;
		}
		Lease lease = this.leases.remove(reservation.id());
		List<BudgetCharge> charges = reservation.charges();
		byte[][] held = held(lease, charges.size());
		byte[][] usageKeys = new byte[charges.size()][];
		for (int i = 0; i < charges.size(); i++) {
			usageKeys[i] = (held != null) ? held[i] : usageKey(charges.get(i));
		}
		byte[] record = (held != null) ? lease.record() : bytes(this.keys.reservation(reservation.id()));
		// a release that does not reach Redis is reclaimed when the reservation's lease ends
		this.backend.callQuietly("budget release", () -> release(reservation.id(), record, usageKeys));
	}

	/** The release script of one reservation, sent now. */
	private CompletionStage<List<Object>> release(String id, byte[] record, byte[][] usageKeys) {
		byte[][] keys = new byte[2 + usageKeys.length][];
		keys[0] = this.openKey;
		keys[1] = record;
		System.arraycopy(usageKeys, 0, keys, 2, usageKeys.length);
		byte[][] args = { bytes(id), number(recordTtl().toMillis()) };
		return this.backend.eval(BudgetScripts.RELEASE, keys, args);
	}

	/**
	 * Frees, without waiting, a reservation whose reserve got no answer: the release runs after the reserve
	 * on the connection, and frees nothing when the reserve never ran or refused.
	 */
	private void freeInRedis(String id, byte[] record, byte[][] usageKeys) {
		release(id, record, usageKeys).exceptionally((ex) -> {
			logger.debug("Budget reservation {} not freed after its reserve failed; its lease ends it", id, ex);
			return null;
		});
	}

	/** {@inheritDoc} While Redis fails this answers an empty usage (counted), in either mode. */
	@Override
	public BudgetUsage usage(BudgetSpec budget, String key, Instant periodStart, Instant resetsAt) {
		byte[] usageKey = bytes(this.keys.budget(budget.name(), key, periodStart));
		BudgetUsage empty = BudgetUsage.empty(budget.name(), key, periodStart, resetsAt);
		return this.backend.callOrElse("budget read",
				() -> this.backend.commands()
					.hmget(usageKey, bytes("sc"), bytes("rc"), bytes("st"), bytes("rt"))
					.thenApply((values) -> new BudgetUsage(budget.name(), key, amount(values.get(0).getValueOrElse(null)),
							amount(values.get(1).getValueOrElse(null)), amount(values.get(2).getValueOrElse(null)),
							amount(values.get(3).getValueOrElse(null)), periodStart, resetsAt)),
				() -> empty);
	}

	/**
	 * {@inheritDoc} Deletes the current and the previous period's entry. The entry that later calls
	 * create has another epoch (see {@link BudgetScripts}), so calls still in flight are settled as if
	 * they had reserved nothing, like in the in-memory ledger: they free nothing of what later calls
	 * reserved, and what they spend counts in the fresh state.
	 * @throws GuardBackendUnavailableException when Redis fails, in either mode
	 */
	@Override
	public void reset(BudgetSpec budget, String key) {
		Instant now = this.clock.instant();
		BudgetWindow window = BudgetPeriods.windowOf(budget.period(), now, this.zone);
		List<byte[]> doomed = new ArrayList<>(2);
		doomed.add(bytes(this.keys.budget(budget.name(), key, window.start())));
		if (budget.period() != BudgetPeriod.NONE) {
			BudgetWindow previous = BudgetPeriods.windowOf(budget.period(), window.start().minusNanos(1), this.zone);
			doomed.add(bytes(this.keys.budget(budget.name(), key, previous.start())));
		}
		Long deleted = this.backend.callOrElse("budget reset",
				() -> this.backend.commands().del(doomed.get(0)).thenCombine(
						(doomed.size() > 1) ? this.backend.commands().del(doomed.get(1))
								: java.util.concurrent.CompletableFuture.completedFuture(0L),
						Long::sum),
				() -> null);
		if (deleted == null) {
			throw this.backend.unavailable("budget reset", null);
		}
	}

	/**
	 * Extends the lease of every reservation of this instance whose lease is half gone
	 * ({@link RedisLeases#renew}).
	 * @return completes when Redis has answered (for tests)
	 */
	CompletableFuture<Void> renewLeases() {
		return this.leases.renew();
	}

	private CompletionStage<List<Object>> renew(long deadlineMs, List<String> ids) {
		byte[][] keys = { this.openKey };
		byte[][] args = new byte[3 + ids.size()][];
		args[0] = number(deadlineMs);
		args[1] = number(recordTtl().toMillis());
		args[2] = this.recordPrefix;
		for (int i = 0; i < ids.size(); i++) {
			args[3 + i] = bytes(ids.get(i));
		}
		return this.backend.eval(BudgetScripts.RENEW, keys, args);
	}

	@Override
	public String backend() {
		return "redis";
	}

	/**
	 * {@inheritDoc} The claim is a mark in the usage entry itself, so it ends with the period and a
	 * reset clears it. While Redis fails every instance may warn (a warning too many rather than none).
	 */
	@Override
	public boolean claimWarning(BudgetSpec budget, String key, Instant periodStart) {
		byte[][] keys = { bytes(this.keys.budget(budget.name(), key, periodStart)) };
		Boolean first = this.backend.callOrElse("budget warning",
				() -> this.backend.eval(BudgetScripts.CLAIM_WARNING, keys, new byte[0][])
					.thenApply((reply) -> !reply.isEmpty() && Long.valueOf(1).equals(reply.get(0))),
				() -> Boolean.TRUE);
		return first == null || first;
	}

	/**
	 * {@inheritDoc} Like {@link #claimWarning}: a mark in the usage entry, which ends with the period and
	 * which a reset clears, so one instance of the fleet raises the event.
	 */
	@Override
	public boolean claimForecast(BudgetSpec budget, String key, Instant periodStart) {
		byte[][] keys = { bytes(this.keys.budget(budget.name(), key, periodStart)) };
		Boolean first = this.backend.callOrElse("budget forecast",
				() -> this.backend.eval(BudgetScripts.CLAIM_FORECAST, keys, new byte[0][])
					.thenApply((reply) -> !reply.isEmpty() && Long.valueOf(1).equals(reply.get(0))),
				() -> Boolean.TRUE);
		return first == null || first;
	}

	/**
	 * A charge's usage key. A global budget's key changes only with its period, so the last one built is
	 * kept per budget (bounded by configuration); a tenant's or session's is built anew.
	 */
	private byte[] usageKey(BudgetCharge charge) {
		String name = charge.budget().name();
		if (!charge.key().isEmpty()) {
			return bytes(this.keys.budget(name, charge.key(), charge.periodStart()));
		}
		GlobalKey last = this.globalKeys.get(name);
		if (last != null && last.periodStart().equals(charge.periodStart())) {
			return last.key();
		}
		byte[] key = bytes(this.keys.budget(name, "", charge.periodStart()));
		this.globalKeys.put(name, new GlobalKey(charge.periodStart(), key));
		return key;
	}

	/** The usage keys a lease holds for a reservation of {@code n} charges, or {@code null}. */
	private static byte[][] held(Lease lease, int n) {
		return (lease != null && lease.usageKeys().length == n) ? lease.usageKeys() : null;
	}

	/**
	 * A usage entry's expiry for the scripts: positive, set when the entry is created (its key is that
	 * of one period, which ends when it ends); negative, set on every write (no period: idle expiry).
	 */
	private long usageTtlArgument(Instant resetsAt, Instant now) {
		if (resetsAt == null) {
			return -Math.max(1, this.backend.options().idleTtl().toMillis());
		}
		Duration left = Duration.between(now, resetsAt);
		return (left.isNegative() ? Duration.ZERO : left).plus(AFTER_PERIOD).toMillis();
	}

	private Duration recordTtl() {
		return this.backend.options().reservationLease().plus(RECORD_GRACE);
	}

	/**
	 * When a reservation of this instance was made and when its lease ends, as last written; with the
	 * keys it was made under, so settling it builds none of them again.
	 */
	private record Lease(long heldSinceMs, long deadlineMs, byte[] record, byte[][] usageKeys)
			implements RedisLeases.Lease<Lease> {

		@Override
		public Lease until(long deadline) {
			return new Lease(this.heldSinceMs, deadline, this.record, this.usageKeys);
		}

	}

	/** A global budget's usage key in one period. */
	private record GlobalKey(Instant periodStart, byte[] key) {
	}

	private static BudgetUsage usage(BudgetCharge charge, List<Object> reply, int from) {
		return new BudgetUsage(charge.budget().name(), charge.key(), amount(reply.get(from)),
				amount(reply.get(from + 1)), amount(reply.get(from + 2)), amount(reply.get(from + 3)),
				charge.periodStart(), charge.resetsAt());
	}

	private static long amount(Object value) {
		if (value == null) {
			return 0;
		}
		if (value instanceof Long number) {
			return number;
		}
		return Long.parseLong(RedisKeys.text(value));
	}

	private static byte[] bytes(String value) {
		return value.getBytes(StandardCharsets.UTF_8);
	}

	private static byte[] number(long value) {
		return RedisKeys.number(value);
	}

}

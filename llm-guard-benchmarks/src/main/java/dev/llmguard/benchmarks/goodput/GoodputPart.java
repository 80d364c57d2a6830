package dev.llmguard.benchmarks.goodput;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import dev.llmguard.benchmarks.redis.RedisBackend;
import dev.llmguard.benchmarks.report.Section;
import dev.llmguard.benchmarks.report.Stats;
import dev.llmguard.benchmarks.report.Target;
import dev.llmguard.core.budget.BudgetUsage;
import dev.llmguard.core.budget.Budgets;
import dev.llmguard.core.model.Priority;
import dev.llmguard.test.redis.RedisServer;
import dev.llmguard.test.simulator.ProviderSimulator;
import dev.llmguard.test.simulator.RateLimiting;
import dev.llmguard.test.simulator.SimulatorStats;

/**
 * Item 3: goodput under overload. The provider simulator admits {@code C} requests per minute, counted
 * like OpenAI's and Anthropic's limits (a bucket of C refilled continuously) or, for comparison, in any
 * 60 seconds (a sliding window, stricter than the providers); guarded applications configured with the provider's limit {@code C} (and a headroom) offer twice
 * {@code C} for the duration, with mixed priorities and tenants, calling the simulator over loopback
 * HTTP. Two cases: one application with the in-memory backend, and two applications sharing Redis
 * that offer {@code C} each.
 */
public final class GoodputPart {

	/**
	 * @param capacityPerMinute the simulator's requests per minute, C, also the guard's declared limit
	 * @param duration how long load is offered
	 * @param headroom the guard's headroom; its configured limit is {@code C * headroom}
	 * @param latency the simulator's latency per answer
	 * @param maxWait the guard's max-wait
	 * @param warmUp load offered before the measured window
	 * @param rateLimiting how the simulator counts C
	 */
	public record Settings(long capacityPerMinute, Duration duration, double headroom, Duration latency,
			Duration maxWait, Duration warmUp, RateLimiting rateLimiting) {

		public static final Settings DEFAULT = of(600, Duration.ofSeconds(60), 0.8, RateLimiting.TOKEN_BUCKET);

		/**
		 * Settings with 200 ms latency, 15 s max-wait and a warm-up long enough for twice the capacity to
		 * empty the guard's buckets, which start full, so the window measures the sustained rate and not
		 * the first burst.
		 */
		public static Settings of(long capacityPerMinute, Duration duration, double headroom,
				RateLimiting rateLimiting) {
			double limit = capacityPerMinute * headroom;
			double drainPerSecond = (2.0 * capacityPerMinute - limit) / 60.0;
			long seconds = Math.min(60, (long) Math.ceil(limit / drainPerSecond) + 5);
			return new Settings(capacityPerMinute, duration, headroom, Duration.ofMillis(200), Duration.ofSeconds(15),
					Duration.ofSeconds(seconds), rateLimiting);
		}

		/** The same with another headroom and way of counting C. */
		public Settings with(double otherHeadroom, RateLimiting otherRateLimiting) {
			return of(this.capacityPerMinute, this.duration, otherHeadroom, otherRateLimiting);
		}

		/** How the case is named in the results. */
		String label() {
			return "headroom " + this.headroom + ", "
					+ ((this.rateLimiting == RateLimiting.TOKEN_BUCKET) ? "provider bucket" : "provider sliding window");
		}

		/** The limit the guard enforces, requests per minute. */
		public double guardLimitPerMinute() {
			return this.capacityPerMinute * this.headroom;
		}

		/** Warm-up and measured window. */
		public Duration offered() {
			return warmUp().plus(this.duration);
		}

		/** A tenant budget that the busiest tenant (40 % of the calls) exhausts about half-way. */
		public long tenantTokens() {
			return Math.max(1_000, Math.round(guardLimitPerMinute() * offered().toSeconds() / 60.0 * 25));
		}

	}

	static final String GLOBAL_BUDGET = "daily-spend";

	static final String TENANT_BUDGET = "per-tenant";

	static final BigDecimal GLOBAL_MAX_COST = new BigDecimal("5.00");

	private GoodputPart() {
	}

	/**
	 * Runs the in-memory and the Redis case with the settings (the targets), then each comparison
	 * in memory: informative, without targets.
	 */
	public static Section run(Settings settings, List<Settings> comparisons) throws Exception {
		List<Result> results = new ArrayList<>();
		results.add(inMemory(settings));
		String unavailable = RedisBackend.unavailableReason();
		if (unavailable == null) {
			results.add(sharedRedis(settings));
		}
		for (Settings comparison : comparisons) {
			Result result = inMemory(comparison);
			results.add(new Result(result.name(), result.settings(), result.calls(), result.startNanos(),
					result.simulator(), result.ledger(), false));
		}
		return section(results, unavailable);
	}

	/** One application with the in-memory backend offering 2 C. */
	static Result inMemory(Settings settings) throws Exception {
		try (ProviderSimulator simulator = simulator(settings).start();
				GuardedApp app = GuardedApp.start("goodput-memory", guardProperties(settings))) {
			OverloadRun run = new OverloadRun("memory", app.guard(), new SimulatorCall(simulator.openAiBaseUrl()),
					2.0 * settings.capacityPerMinute() / 60.0, settings.offered(), drain(settings), 1);
			List<OverloadRun.Call> calls = run.run();
			return new Result("in-memory, 1 app, " + settings.label(), settings, calls, run.startNanos(),
					simulator.stats(), ledgerView(app.engine().budgets()), true);
		}
	}

	/** Two applications sharing Redis, each offering C. */
	static Result sharedRedis(Settings settings) throws Exception {
		try (RedisServer redis = new RedisServer().start();
				ProviderSimulator simulator = simulator(settings).start()) {
			Map<String, Object> properties = guardProperties(settings);
			properties.putAll(RedisBackend.properties(redis, "goodput"));
			try (GuardedApp first = GuardedApp.start("goodput-redis-1", properties);
					GuardedApp second = GuardedApp.start("goodput-redis-2", properties)) {
				RedisBackend.requireRedis(first);
				RedisBackend.requireRedis(second);
				double rate = settings.capacityPerMinute() / 60.0;
				OverloadRun one = new OverloadRun("redis-1", first.guard(), new SimulatorCall(simulator.openAiBaseUrl()),
						rate, settings.offered(), drain(settings), 1);
				OverloadRun two = new OverloadRun("redis-2", second.guard(),
						new SimulatorCall(simulator.openAiBaseUrl()), rate, settings.offered(), drain(settings), 2);
				CompletableFuture<List<OverloadRun.Call>> a = CompletableFuture.supplyAsync(() -> runUnchecked(one));
				CompletableFuture<List<OverloadRun.Call>> b = CompletableFuture.supplyAsync(() -> runUnchecked(two));
				List<OverloadRun.Call> calls = new ArrayList<>(a.get());
				calls.addAll(b.get());
				return new Result("Redis, 2 apps, " + settings.label(), settings, calls,
						Math.min(one.startNanos(), two.startNanos()), simulator.stats(),
						ledgerView(first.engine().budgets()), true);
			}
		}
	}

	private static List<OverloadRun.Call> runUnchecked(OverloadRun run) {
		try {
			return run.run();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	static ProviderSimulator simulator(Settings settings) {
		return ProviderSimulator.builder()
			.requestsPerMinute(settings.capacityPerMinute())
			.tokensPerMinute(0)
			.latency(settings.latency())
			.outputTokens(SimulatorCall.MAX_TOKENS)
			.rateLimiting(settings.rateLimiting())
			.threads(64)
			.build();
	}

	static Map<String, Object> guardProperties(Settings settings) {
		Map<String, Object> p = new LinkedHashMap<>();
		p.put("llm.guard.headroom", settings.headroom());
		String provider = "llm.guard.providers.sim.";
		p.put(provider + "requests-per-minute", settings.capacityPerMinute());
		p.put(provider + "tokens-per-minute", settings.capacityPerMinute() * 1_000);
		p.put(provider + "max-concurrent", 32);
		p.put(provider + "max-wait", settings.maxWait().toMillis() + "ms");
		p.put(provider + "models.gpt-4o-mini.context-window", 128_000);
		p.put("llm.guard.budgets." + GLOBAL_BUDGET + ".scope", "global");
		p.put("llm.guard.budgets." + GLOBAL_BUDGET + ".period", "day");
		p.put("llm.guard.budgets." + GLOBAL_BUDGET + ".max-cost", GLOBAL_MAX_COST.toPlainString());
		p.put("llm.guard.budgets." + TENANT_BUDGET + ".scope", "tenant");
		p.put("llm.guard.budgets." + TENANT_BUDGET + ".period", "day");
		p.put("llm.guard.budgets." + TENANT_BUDGET + ".max-tokens", settings.tenantTokens());
		// the run must end by itself: a provider 429 is retried after at most 10 s
		p.put("llm.guard.retry.max-retry-after", "10s");
		return p;
	}

	private static Duration drain(Settings settings) {
		return settings.maxWait().plus(Duration.ofSeconds(45));
	}

	/** What the guard's ledger says each tenant spent, and the global budget. */
	static LedgerView ledgerView(Budgets budgets) {
		Map<String, Long> tenantTokens = new LinkedHashMap<>();
		for (int t = 0; t < OverloadRun.TENANTS; t++) {
			BudgetUsage usage = budgets.usage(TENANT_BUDGET, "tenant-" + t);
			tenantTokens.put("tenant-" + t, usage.spentTokens() + usage.reservedTokens());
		}
		BudgetUsage global = budgets.usage(GLOBAL_BUDGET, "");
		return new LedgerView(tenantTokens, global.spentCostNanos() + global.reservedCostNanos());
	}

	record LedgerView(Map<String, Long> tenantTokens, long globalCostNanos) {
	}

	record Result(String name, Settings settings, List<OverloadRun.Call> calls, long startNanos,
			SimulatorStats simulator, LedgerView ledger, boolean targeted) {
	}

	static Section section(List<Result> results, String redisUnavailable) {
		Settings first = results.get(0).settings();
		StringBuilder md = new StringBuilder();
		md.append(Stats.format("Simulator: C = %d requests per minute, %d ms latency, %d-token answers; C is "
				+ "counted as OpenAI and Anthropic describe their limits (a bucket of C refilled continuously: "
				+ "\"provider bucket\") or, for comparison, in any 60 s (\"provider sliding window\", stricter than "
				+ "the providers). Guard: provider limit C with a headroom, so its configured limit is C × headroom; "
				+ "max-concurrent 32, max-wait %d s; budgets `%s` (global, $%s/day) and `%s` (per tenant, reject). "
				+ "Offered load: 2 C = %d calls/min, open loop, 20 %% urgent / 50 %% normal / 30 %% low, 40 %% of calls "
				+ "from `tenant-0`; first a warm-up (the guard's buckets start full and the overload empties them), "
				+ "then a measured window of %d s. The Redis case is two applications sharing one Redis, offering C "
				+ "each.%n%n", first.capacityPerMinute(), first.latency().toMillis(), SimulatorCall.MAX_TOKENS,
				first.maxWait().toSeconds(), GLOBAL_BUDGET, GLOBAL_MAX_COST.toPlainString(), TENANT_BUDGET,
				2 * first.capacityPerMinute(), first.duration().toSeconds()));
		md.append("Goodput: calls admitted inside the measured window that the provider answered 200, per minute. "
				+ "Simulator 429s and budgets count the whole run, warm-up included. Wait: from offering a call until "
				+ "the guard admitted it or gave up on it at max-wait (a refused caller waited too), for calls offered "
				+ "in the measured window.\n\n");
		md.append("| case | configured limit | warm-up | offered | provider 200 | goodput in window | simulator "
				+ "429s | guard refused (no capacity in max-wait) | refused by budget | tenant budget | overshoot |\n"
				+ "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
		List<Target> targets = new ArrayList<>();
		StringBuilder waits = new StringBuilder();
		waits.append("| case | class | offered in window | admitted | refused | p50 wait | p99 wait |\n"
				+ "|---|---|---:|---:|---:|---:|---:|\n");
		for (Result r : results) {
			Settings settings = r.settings();
			long windowStart = r.startNanos() + settings.warmUp().toNanos();
			long windowEnd = windowStart + settings.duration().toNanos();
			long inWindow = r.calls()
				.stream()
				.filter((c) -> c.outcome() == OverloadRun.Outcome.SUCCESS && c.decidedNanos() >= windowStart
						&& c.decidedNanos() < windowEnd)
				.count();
			double perMinute = inWindow * 60.0 / settings.duration().toSeconds();
			double share = perMinute / settings.guardLimitPerMinute();
			long overshoot = overshootTokens(r, settings.tenantTokens());
			long globalOver = Math.max(0,
					r.ledger().globalCostNanos() - GLOBAL_MAX_COST.movePointRight(9).longValueExact());
			boolean withinBudgets = overshoot <= 0 && globalOver == 0;
			md.append(Stats.format("| %s | %.0f/min | %d s | %,d | %,d | %.0f/min = **%s** | %,d | %,d | %,d | %,d "
					+ "tokens | %s |%n", r.name(), settings.guardLimitPerMinute(), settings.warmUp().toSeconds(),
					r.calls().size(), count(r, OverloadRun.Outcome.SUCCESS), perMinute, Stats.percent(share),
					r.simulator().rateLimited(), count(r, OverloadRun.Outcome.RATE_LIMITED),
					count(r, OverloadRun.Outcome.BUDGET_EXCEEDED), settings.tenantTokens(),
					withinBudgets ? "none" : overshoot + " tokens"));
			List<OverloadRun.Call> windowCalls = r.calls()
				.stream()
				.filter((c) -> c.offeredNanos() >= windowStart && c.offeredNanos() < windowEnd)
				.toList();
			Map<Priority, long[]> byClass = waitsByClass(windowCalls);
			for (Priority p : Priority.values()) {
				long[] w = byClass.get(p);
				waits.append(Stats.format("| %s | %s | %,d | %,d | %,d | %s | %s |%n", r.name(), p.tag(),
						windowCalls.stream().filter((c) -> c.priority() == p).count(),
						windowCalls.stream().filter((c) -> c.priority() == p && admitted(c)).count(),
						windowCalls.stream()
							.filter((c) -> c.priority() == p && c.outcome() == OverloadRun.Outcome.RATE_LIMITED)
							.count(),
						Stats.millis(Stats.percentile(w, 50)), Stats.millis(Stats.percentile(w, 99))));
			}
			if (!r.targeted()) {
				continue;
			}
			long urgentP99 = Stats.percentile(byClass.get(Priority.URGENT), 99);
			long lowP50 = Stats.percentile(byClass.get(Priority.LOW), 50);
			targets.add(Target.of("goodput, " + r.name(), "≥ 95 % of configured limit", Stats.percent(share),
					share >= 0.95));
			targets.add(Target.of("simulator 429s, " + r.name(), "0", Long.toString(r.simulator().rateLimited()),
					r.simulator().rateLimited() == 0));
			targets.add(Target.of("budget overshoot, " + r.name(), "0",
					withinBudgets ? "0" : overshoot + " tokens", withinBudgets));
			targets.add(Target.of("urgent p99 wait < low p50 wait, " + r.name(), "urgent p99 < low p50",
					Stats.millis(urgentP99) + " vs " + Stats.millis(lowP50), urgentP99 >= 0 && urgentP99 < lowP50));
		}
		md.append("\nWaits by priority class:\n\n").append(waits);
		md.append("\nBudgets: the tokens the simulator reported for the busiest tenant and one other, summed by the "
				+ "benchmark, beside the guard's ledger (spent + still reserved), against the tenant budget:\n\n"
				+ "| case | tenant | provider-reported tokens | ledger | budget |\n|---|---|---:|---:|---:|\n");
		for (Result r : results) {
			Map<String, Long> reported = reportedTokens(r);
			for (String tenant : List.of("tenant-0", "tenant-1")) {
				md.append(Stats.format("| %s | %s | %,d | %,d | %,d |%n", r.name(), tenant,
						reported.getOrDefault(tenant, 0L), r.ledger().tenantTokens().get(tenant),
						r.settings().tenantTokens()));
			}
		}
		if (redisUnavailable != null) {
			md.append("\nRedis case not run: ").append(redisUnavailable).append(".\n");
			targets.add(Target.notMeasured("goodput, 429s, overshoot, priorities: Redis, 2 apps",
					"as for in-memory", redisUnavailable));
		}
		return new Section("3. Goodput under overload (2 × capacity)", md.toString(), targets);
	}

	private static boolean admitted(OverloadRun.Call c) {
		return c.outcome() == OverloadRun.Outcome.SUCCESS || c.outcome() == OverloadRun.Outcome.PROVIDER_429
				|| (c.outcome() == OverloadRun.Outcome.FAILED && c.decidedNanos() >= 0);
	}

	private static long count(Result r, OverloadRun.Outcome outcome) {
		return r.calls().stream().filter((c) -> c.outcome() == outcome).count();
	}

	private static Map<Priority, long[]> waitsByClass(List<OverloadRun.Call> calls) {
		Map<Priority, long[]> waits = new EnumMap<>(Priority.class);
		for (Priority p : Priority.values()) {
			waits.put(p, Stats.sorted(calls
				.stream()
				.filter((c) -> c.priority() == p && c.outcome() != OverloadRun.Outcome.BUDGET_EXCEEDED
						&& c.waitedNanos() >= 0)
				.mapToLong(OverloadRun.Call::waitedNanos)
				.toArray()));
		}
		return waits;
	}

	private static Map<String, Long> reportedTokens(Result r) {
		Map<String, Long> tokens = new LinkedHashMap<>();
		for (OverloadRun.Call c : r.calls()) {
			tokens.merge(c.tenant(), c.tokens(), Long::sum);
		}
		return tokens;
	}

	/** The most any tenant went over its budget, by the provider's count or by the ledger's. */
	private static long overshootTokens(Result r, long limit) {
		long worst = 0;
		for (long used : reportedTokens(r).values()) {
			worst = Math.max(worst, used - limit);
		}
		for (long used : r.ledger().tenantTokens().values()) {
			worst = Math.max(worst, used - limit);
		}
		return worst;
	}

}

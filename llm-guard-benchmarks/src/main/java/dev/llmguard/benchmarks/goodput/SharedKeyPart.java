package dev.llmguard.benchmarks.goodput;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import dev.llmguard.benchmarks.report.Machine;
import dev.llmguard.benchmarks.report.Section;
import dev.llmguard.benchmarks.report.Stats;
import dev.llmguard.benchmarks.report.Target;
import dev.llmguard.core.limit.LimitSnapshot;
import dev.llmguard.test.simulator.Neighbour;
import dev.llmguard.test.simulator.ProviderSimulator;
import dev.llmguard.test.simulator.SimulatorStats;

/**
 * Item 5: a key shared with a neighbour. The provider simulator admits {@code C} requests per minute
 * (a bucket refilled continuously, its default), and a neighbour the application cannot see takes a
 * steady share of it. One guarded application offers twice C, open loop, and hands every answer's
 * rate-limit headers to the guard, as the RestClient interceptor does. The same runs with
 * {@code limits: fixed} show the guard before it learned from the headers (declared limits, headroom).
 * Goodput is measured after the first minute, and so are the simulator's 429s.
 */
public final class SharedKeyPart {

	/**
	 * @param capacityPerMinute the simulator's requests per minute, C
	 * @param firstMinute load offered before the measured window (the guard learns, buckets settle)
	 * @param window the measured window
	 * @param latency the simulator's latency per answer
	 * @param maxWait the guard's max-wait
	 * @param neighbourShare the share of C the neighbour takes in the cases with a neighbour
	 */
	public record Settings(long capacityPerMinute, Duration firstMinute, Duration window, Duration latency,
			Duration maxWait, double neighbourShare) {

		public static final Settings DEFAULT = new Settings(600, Duration.ofSeconds(60), Duration.ofSeconds(60),
				Duration.ofMillis(200), Duration.ofSeconds(15), 0.4);

		public static final Settings QUICK = new Settings(600, Duration.ofSeconds(10), Duration.ofSeconds(10),
				Duration.ofMillis(200), Duration.ofSeconds(5), 0.4);

	}

	/**
	 * One run.
	 * @param name how the results name it
	 * @param neighbour whether the neighbour takes its share
	 * @param limits {@code declared}, {@code auto} or {@code fixed}
	 * @param declares whether the guard declares C
	 * @param headroom the guard's headroom
	 * @param target the share of what the neighbour leaves that goodput must reach, or 0 for none
	 */
	record Case(String name, boolean neighbour, String limits, boolean declares, double headroom, double target) {
	}

	static final String PROVIDER = "sim";

	private SharedKeyPart() {
	}

	static List<Case> cases() {
		return List.of(new Case("(a) neighbour, limits: declared C, headroom 0.8", true, "declared", true, 0.8, 0.9),
				new Case("neighbour, limits: auto", true, "auto", false, 0.8, 0),
				new Case("(c) neighbour, limits: fixed C, headroom 0.8 (before learning)", true, "fixed", true, 0.8, 0),
				new Case("(b) no neighbour, limits: auto", false, "auto", false, 0.8, 0.9),
				new Case("(c) no neighbour, limits: fixed C, headroom 0.8 (before learning)", false, "fixed", true, 0.8,
						0));
	}

	public static Section run(Settings settings) throws Exception {
		List<Result> results = new ArrayList<>();
		int index = 0;
		for (Case c : cases()) {
			System.err.println("[bench] shared key: " + c.name());
			results.add(run(settings, c, ++index));
		}
		return section(settings, results);
	}

	static Result run(Settings settings, Case c, int index) throws Exception {
		String loadBefore = Machine.loadAverage();
		ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
		try (ProviderSimulator simulator = ProviderSimulator.builder()
			.requestsPerMinute(settings.capacityPerMinute())
			.tokensPerMinute(0)
			.latency(settings.latency())
			.outputTokens(SimulatorCall.MAX_TOKENS)
			.neighbour(c.neighbour() ? Neighbour.steady(settings.neighbourShare()) : null)
			.threads(64)
			.build()
			.start(); GuardedApp app = GuardedApp.start("shared-key-" + index, properties(settings, c))) {
			OverloadRun run = new OverloadRun("shared-" + index, app.guard(),
					new SimulatorCall(simulator.openAiBaseUrl(), true), 2.0 * settings.capacityPerMinute() / 60.0,
					settings.firstMinute().plus(settings.window()), settings.maxWait().plus(Duration.ofSeconds(30)), 1);
			AtomicReference<SimulatorStats> afterFirstMinute = new AtomicReference<>();
			timer.schedule(() -> afterFirstMinute.set(simulator.stats()), settings.firstMinute().toMillis(),
					TimeUnit.MILLISECONDS);
			List<OverloadRun.Call> calls = run.run();
			SimulatorStats end = simulator.stats();
			LimitSnapshot limits = app.engine().limiters().snapshot(PROVIDER);
			LimitSnapshot.BucketLevel requests = limits.limits().get("requests-per-minute");
			return new Result(c, calls, run.startNanos(), end,
					(afterFirstMinute.get() != null) ? end.rateLimited() - afterFirstMinute.get().rateLimited() : -1,
					(requests != null) ? requests.capacity() : 0, loadBefore, Machine.loadAverage());
		}
		finally {
			timer.shutdownNow();
		}
	}

	static Map<String, Object> properties(Settings settings, Case c) {
		Map<String, Object> p = new LinkedHashMap<>();
		p.put("llm.guard.headroom", c.headroom());
		String provider = "llm.guard.providers." + PROVIDER + ".";
		p.put(provider + "limits", c.limits());
		if (c.declares()) {
			p.put(provider + "requests-per-minute", settings.capacityPerMinute());
		}
		p.put(provider + "max-concurrent", 32);
		p.put(provider + "max-wait", settings.maxWait().toMillis() + "ms");
		p.put(provider + "models.gpt-4o-mini.context-window", 128_000);
		// the run must end by itself: a provider 429 is retried after at most 10 s
		p.put("llm.guard.retry.max-retry-after", "10s");
		return p;
	}

	record Result(Case c, List<OverloadRun.Call> calls, long startNanos, SimulatorStats simulator,
			long rateLimitedAfterFirstMinute, long requestCapacity, String loadBefore, String loadAfter) {
	}

	static Section section(Settings settings, List<Result> results) {
		long c = settings.capacityPerMinute();
		double left = c * (1 - settings.neighbourShare());
		StringBuilder md = new StringBuilder();
		md.append(Stats.format("Simulator: C = %d requests per minute (its default counting: a bucket of C refilled "
				+ "continuously), %d ms latency, %d-token answers. Neighbour: another service on the same key that the "
				+ "application cannot see takes a steady %.0f %% of C (the simulator's `neighbour`), leaving %.0f/min. "
				+ "Guard: one application, max-concurrent 32, max-wait %d s, no budgets; every answer's rate-limit "
				+ "headers are handed to the guard (`LlmGuardContext.recordRateLimitHeaders`), as the RestClient "
				+ "interceptor does. `limits: fixed` is the guard before it learned from headers. Offered load: 2 C = %d "
				+ "calls/min, open loop, 20 %% urgent / 50 %% normal / 30 %% low, for %d s; goodput counts calls admitted "
				+ "after the first %d s and answered 200, per minute; \"429 after the first minute\" counts the "
				+ "simulator's 429 answers from then until every call ended.%n%n", c, settings.latency().toMillis(),
				SimulatorCall.MAX_TOKENS, settings.neighbourShare() * 100, left, settings.maxWait().toSeconds(), 2 * c,
				settings.firstMinute().plus(settings.window()).toSeconds(), settings.firstMinute().toSeconds()));
		md.append("| case | capacity left to the app | guard's requests bucket at the end | goodput in window | "
				+ "share of what is left | simulator 429s, whole run | 429s after the first minute | calls failed "
				+ "with a provider 429 | guard refused (no capacity in max-wait) | load average before → after |\n"
				+ "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
		List<Target> targets = new ArrayList<>();
		for (Result r : results) {
			double capacityLeft = r.c().neighbour() ? left : c;
			long windowStart = r.startNanos() + settings.firstMinute().toNanos();
			long windowEnd = windowStart + settings.window().toNanos();
			long inWindow = r.calls()
				.stream()
				.filter((call) -> call.outcome() == OverloadRun.Outcome.SUCCESS && call.decidedNanos() >= windowStart
						&& call.decidedNanos() < windowEnd)
				.count();
			double perMinute = inWindow * 60.0 / settings.window().toSeconds();
			double share = perMinute / capacityLeft;
			md.append(Stats.format("| %s | %.0f/min | %,d | %.0f/min | **%s** | %,d | %,d | %,d | %,d | %s → %s |%n",
					r.c().name(), capacityLeft, r.requestCapacity(), perMinute, Stats.percent(share),
					r.simulator().rateLimited(), r.rateLimitedAfterFirstMinute(),
					count(r, OverloadRun.Outcome.PROVIDER_429), count(r, OverloadRun.Outcome.RATE_LIMITED),
					r.loadBefore(), r.loadAfter()));
			if (r.c().target() > 0) {
				targets.add(Target.of("shared key goodput, " + r.c().name(),
						"≥ " + Math.round(r.c().target() * 100) + " % of " + Math.round(capacityLeft) + "/min",
						Stats.percent(share), share >= r.c().target()));
				targets.add(Target.of("shared key 429s after the first minute, " + r.c().name(), "0",
						Long.toString(r.rateLimitedAfterFirstMinute()), r.rateLimitedAfterFirstMinute() == 0));
			}
		}
		return new Section("5. A key shared with a neighbour: learned limits", md.toString(), targets);
	}

	private static long count(Result r, OverloadRun.Outcome outcome) {
		return r.calls().stream().filter((call) -> call.outcome() == outcome).count();
	}

}

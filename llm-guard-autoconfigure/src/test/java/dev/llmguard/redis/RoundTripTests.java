package dev.llmguard.redis;

import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.lettuce.core.event.command.CommandFailedEvent;
import io.lettuce.core.event.command.CommandListener;
import io.lettuce.core.event.command.CommandStartedEvent;
import io.lettuce.core.event.command.CommandSucceededEvent;
import io.lettuce.core.protocol.RedisCommand;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import dev.llmguard.core.Attempt;
import dev.llmguard.core.CallRequest;
import dev.llmguard.core.GuardedCall;
import dev.llmguard.core.LlmGuardEngine;
import dev.llmguard.core.config.BudgetPeriod;
import dev.llmguard.core.config.BudgetScope;
import dev.llmguard.core.config.ChainSpec;
import dev.llmguard.core.config.GuardSettings;
import dev.llmguard.core.config.ProviderSpec;
import dev.llmguard.core.model.Usage;
import dev.llmguard.core.time.ManualGuardClock;
import dev.llmguard.test.redis.RedisServerExtension;

import static dev.llmguard.redis.RedisTestSupport.GPT_4O;
import static dev.llmguard.redis.RedisTestSupport.GPT_4O_MINI;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Counts the Redis commands of one admission and one settlement with a Lettuce command listener,
 * and how many of them had to wait for another's answer (sequential round trips): a command that
 * started after another had answered is one round trip later than it.
 */
class RoundTripTests {

	@RegisterExtension
	static final RedisServerExtension redis = new RedisServerExtension();

	private final ManualGuardClock clock = new ManualGuardClock(RedisTestSupport.START);

	private final Recorder recorder = new Recorder();

	private LettuceConnectionFactory factory;

	private RedisGuardBackend backend;

	private LlmGuardEngine engine;

	/** Far longer than a hiccup of a loaded machine, far shorter than the timeout. */
	private static final Duration ROUND_TRIP = Duration.ofMillis(60);

	private DelayingProxy proxy;

	@BeforeEach
	void start() throws Exception {
		this.proxy = new DelayingProxy(redis.port(), ROUND_TRIP);
		this.factory = RedisTestSupport.connectionFactory(this.proxy.port());
		this.factory.getRequiredNativeClient().addListener(this.recorder);
		this.backend = new RedisGuardBackend(this.factory::getRequiredNativeClient,
				RedisTestSupport.options("rtt", RedisFailureMode.FAIL_CLOSED), this.clock, (event) -> {
				});
	}

	/**
	 * The common case of the design: a chain of two models, provider and model limits, two budgets.
	 * @param maxConcurrent the provider's {@code max-concurrent}, shared through Redis, or {@code null}
	 */
	private void engine(Integer maxConcurrent) {
		ProviderSpec openai = RedisTestSupport.openai(RedisTestSupport.limits(500L, 200_000L),
				RedisTestSupport.model(GPT_4O, RedisTestSupport.limits(null, 100_000L)),
				RedisTestSupport.model(GPT_4O_MINI, null));
		GuardSettings settings = GuardSettings.builder()
			.provider(new ProviderSpec(openai.name(), null, openai.limits(), maxConcurrent, openai.maxWait(),
					openai.models()))
			.chain(new ChainSpec("default", List.of(GPT_4O, GPT_4O_MINI), Duration.ofSeconds(60), null))
			.budget(RedisTestSupport.costBudget("daily-spend", BudgetScope.GLOBAL, BudgetPeriod.DAY, "50.00"))
			.budget(RedisTestSupport.tokenBudget("tenant-tokens", BudgetScope.TENANT, BudgetPeriod.MONTH, 1_000_000))
			.build();
		this.engine = LlmGuardEngine.builder(settings)
			.clock(this.clock)
			.bucketStore(new RedisBucketStore(this.backend))
			.ledger(new RedisBudgetLedger(this.backend, ZoneOffset.UTC))
			.cooldowns(new RedisCooldownStore(this.backend))
			.build();
	}

	@AfterEach
	void stop() throws Exception {
		if (this.engine != null) {
			this.engine.close();
		}
		this.backend.close();
		this.factory.destroy();
		this.proxy.close();
	}

	@Test
	void anAdmissionTakesTwoRoundTripsAndASettlementTwo() throws Exception {
		engine(null);
		CallRequest request = request();
		warmUp(request);

		// behind the delaying proxy, commands sent together start within microseconds and a command that
		// waited for an answer starts a whole delay later; a thread descheduled on a loaded machine can only
		// split a round trip in two, never merge two, so the fewest of several calls is the true count
		int fewestAdmission = Integer.MAX_VALUE;
		int fewestSettlement = Integer.MAX_VALUE;
		for (int i = 0; i < 10; i++) {
			this.recorder.clear();
			GuardedCall execution = this.engine.start(request);
			Attempt attempt = execution.admit();
			List<Recorder.Span> admission = this.recorder.spans();
			assertThat(attempt.model()).isEqualTo(GPT_4O);

			this.recorder.clear();
			execution.settle(attempt, new Usage(480, 300), false);
			List<Recorder.Span> settlement = this.recorder.spans();

			System.out.printf("admission: %d commands %s in %d round trips; settlement: %d commands %s in %d%n",
					admission.size(), Recorder.names(admission), Recorder.roundTrips(admission), settlement.size(),
					Recorder.names(settlement), Recorder.roundTrips(settlement));
			// budget EVALSHA, and one GET plus one compare-and-swap EVALSHA per bucket (three); no cooldown read
			// while watched; every script goes by its digest, never with its text
			assertThat(Recorder.names(admission)).containsExactlyInAnyOrder("GET", "GET", "GET", "EVALSHA", "EVALSHA",
					"EVALSHA", "EVALSHA");
			// budget EVALSHA, and one GET plus one EVALSHA per token bucket given back to (two)
			assertThat(Recorder.names(settlement)).containsExactlyInAnyOrder("GET", "GET", "EVALSHA", "EVALSHA",
					"EVALSHA");
			fewestAdmission = Math.min(fewestAdmission, Recorder.roundTrips(admission));
			fewestSettlement = Math.min(fewestSettlement, Recorder.roundTrips(settlement));
		}
		assertThat(fewestAdmission).isEqualTo(2);
		assertThat(fewestSettlement).isEqualTo(2);
	}

	@Test
	void aSharedConcurrencySlotIsTakenInTheRoundTripOfTheBucketTakes() throws Exception {
		engine(8);
		CallRequest request = request();
		warmUp(request);

		int fewestAdmission = Integer.MAX_VALUE;
		for (int i = 0; i < 10; i++) {
			this.recorder.clear();
			GuardedCall execution = this.engine.start(request);
			Attempt attempt = execution.admit();
			List<Recorder.Span> admission = this.recorder.spans();
			assertThat(attempt.model()).isEqualTo(GPT_4O);
			execution.settle(attempt, new Usage(480, 300), false);

			System.out.printf("admission with a shared slot: %d commands %s in %d round trips%n", admission.size(),
					Recorder.names(admission), Recorder.roundTrips(admission));
			// the commands of the admission above, and the slot's take script
			assertThat(Recorder.names(admission)).containsExactlyInAnyOrder("GET", "GET", "GET", "EVALSHA", "EVALSHA",
					"EVALSHA", "EVALSHA", "EVALSHA");
			fewestAdmission = Math.min(fewestAdmission, Recorder.roundTrips(admission));
		}
		// the slot's take goes out with the buckets' compare-and-swaps: no round trip of its own
		assertThat(fewestAdmission).isEqualTo(2);
	}

	private static CallRequest request() {
		return CallRequest.builder()
			.chain("default")
			.tenant("acme")
			.estimatedInputTokens(500L)
			.maxOutputTokens(1000)
			.build();
	}

	/**
	 * The first call creates the buckets and loads the scripts, and starts watching cooldown changes; once
	 * watched, the models' cooldowns are known without a read (the clock does not move, so they stay fresh).
	 */
	private void warmUp(CallRequest request) throws InterruptedException {
		runOnce(request);
		assertThat(this.backend.changes().await(this.backend.changes()::isLive, Duration.ofSeconds(10))).isTrue();
		runOnce(request);
	}

	private void runOnce(CallRequest request) throws InterruptedException {
		GuardedCall execution = this.engine.start(request);
		execution.settle(execution.admit(), new Usage(480, 300), false);
	}

	/** Start and end of every command on the guard's connection. */
	static final class Recorder implements CommandListener {

		record Span(String name, long start, long end) {
		}

		private final Map<Object, long[]> open = new ConcurrentHashMap<>();

		private final List<Span> done = new ArrayList<>();

		@Override
		public void commandStarted(CommandStartedEvent event) {
			this.open.put(event.getCommand(), new long[] { System.nanoTime() });
		}

		@Override
		public void commandSucceeded(CommandSucceededEvent event) {
			end(event.getCommand());
		}

		@Override
		public void commandFailed(CommandFailedEvent event) {
			end(event.getCommand());
		}

		private void end(RedisCommand<Object, Object, Object> command) {
			long[] start = this.open.remove(command);
			if (start != null) {
				synchronized (this.done) {
					this.done.add(new Span(command.getType().toString(), start[0], System.nanoTime()));
				}
			}
		}

		private volatile long since;

		/** Forgets what was recorded; commands started before now are left out from here on. */
		void clear() {
			synchronized (this.done) {
				this.done.clear();
				this.since = System.nanoTime();
			}
		}

		/** Commands started since {@link #clear()}, once every one of them has answered. */
		List<Span> spans() throws InterruptedException {
			long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
			while (this.open.values().stream().anyMatch((start) -> start[0] >= this.since)
					&& System.nanoTime() < deadline) {
				Thread.sleep(1);
			}
			synchronized (this.done) {
				return this.done.stream().filter((span) -> span.start() >= this.since).toList();
			}
		}

		static List<String> names(List<Span> spans) {
			return spans.stream().sorted(Comparator.comparingLong(Span::start)).map(Span::name).toList();
		}

		/** Groups of commands sent together: a new group starts after a pause of half a round trip. */
		static int roundTrips(List<Span> spans) {
			List<Span> sorted = spans.stream().sorted(Comparator.comparingLong(Span::start)).toList();
			int trips = sorted.isEmpty() ? 0 : 1;
			for (int i = 1; i < sorted.size(); i++) {
				if (sorted.get(i).start() - sorted.get(i - 1).start() > ROUND_TRIP.toNanos() / 2) {
					trips++;
				}
			}
			return trips;
		}

	}

}

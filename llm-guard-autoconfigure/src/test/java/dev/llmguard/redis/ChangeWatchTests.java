package dev.llmguard.redis;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import io.lettuce.core.event.command.CommandListener;
import io.lettuce.core.event.command.CommandStartedEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import dev.llmguard.core.breaker.BreakerChange;
import dev.llmguard.core.breaker.BreakerPass;
import dev.llmguard.core.config.BreakerPolicy;
import dev.llmguard.core.time.ManualGuardClock;
import dev.llmguard.test.redis.RedisServerExtension;

import static dev.llmguard.redis.RedisTestSupport.GPT_4O;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * A closed breaker, and a model's cooldown, are answered from memory while the instance watches
 * breaker and cooldown changes, and only then: two instances ({@code a}, {@code b}) on one Redis, each
 * with its own client, and the commands of {@code b}'s breaker and cooldown reads recorded by a Lettuce
 * command listener.
 */
class ChangeWatchTests {

	@RegisterExtension
	static final RedisServerExtension redis = new RedisServerExtension();

	private static final String PREFIX = "watch";

	/** Longest wait for a message or a re-subscription; none is expected to take more than milliseconds. */
	private static final Duration WAIT = Duration.ofSeconds(10);

	private static final BreakerPolicy POLICY = new BreakerPolicy(true, 3, Duration.ofSeconds(60),
			Duration.ofSeconds(30), Duration.ofMinutes(2));

	private final ManualGuardClock clock = new ManualGuardClock(RedisTestSupport.START);

	private final Reads reads = new Reads();

	private final List<AutoCloseable> closeables = new ArrayList<>();

	private Instance a;

	private Instance b;

	@BeforeEach
	void start() {
		try (RedisTestSupport.Inspector inspector = new RedisTestSupport.Inspector(redis.port())) {
			inspector.redis().flushall();
		}
		this.a = instance(RedisTestSupport.options(PREFIX, RedisFailureMode.FAIL_CLOSED));
		this.b = instance(RedisTestSupport.options(PREFIX, RedisFailureMode.FAIL_CLOSED));
		this.b.factory.getRequiredNativeClient().addListener(this.reads);
	}

	@AfterEach
	void stop() throws Exception {
		for (int i = this.closeables.size() - 1; i >= 0; i--) {
			this.closeables.get(i).close();
		}
	}

	@Test
	void aBreakerAnotherInstanceOpensIsSeenOnceItsMessageArrives() throws Exception {
		watchedClosed(this.b);

		for (int i = 0; i < 3; i++) {
			this.a.store.failed(GPT_4O, POLICY, Duration.ofSeconds(30));
		}
		assertThat(this.b.store.watch().await(() -> !this.b.store.watch().isClosed(GPT_4O), WAIT)).isTrue();

		BreakerPass pass = this.b.store.pass(GPT_4O);
		assertThat(pass.kind()).isEqualTo(BreakerPass.Kind.OPEN);
		assertThat(pass.until()).isEqualTo(RedisTestSupport.START.plusSeconds(30));
	}

	@Test
	void aBreakerWhoseMessageGotLostIsSeenAfterTheMaxAge() throws Exception {
		watchedClosed(this.b);
		deaf(this.b);

		for (int i = 0; i < 3; i++) {
			this.a.store.failed(GPT_4O, POLICY, Duration.ofSeconds(30));
		}
		assertThat(this.b.store.pass(GPT_4O)).isEqualTo(BreakerPass.CLOSED);

		this.clock.advance(ChangeWatch.MAX_AGE);
		assertThat(this.b.store.pass(GPT_4O).kind()).isEqualTo(BreakerPass.Kind.OPEN);
	}

	@Test
	void aBreakerThisInstanceOpensIsSeenByItAtOnceWithoutWaitingForItsMessage() throws Exception {
		watchedClosed(this.b);
		deaf(this.b);

		BreakerChange change = null;
		for (int i = 0; i < 3; i++) {
			change = this.b.store.failed(GPT_4O, POLICY, Duration.ofSeconds(30));
		}

		assertThat(change.kind()).isEqualTo(BreakerChange.Kind.OPENED);
		assertThat(this.b.store.pass(GPT_4O).kind()).isEqualTo(BreakerPass.Kind.OPEN);
	}

	@Test
	void aClosedBreakerCostsNoCommandWhileWatchedAndIsAskedAgainAfterItsMaxAge() throws Exception {
		watchedClosed(this.b);

		this.reads.clear();
		this.clock.advance(ChangeWatch.MAX_AGE.minusMillis(1));
		assertThat(this.b.store.pass(GPT_4O)).isEqualTo(BreakerPass.CLOSED);
		assertThat(this.reads.names()).isEmpty();

		this.clock.advance(Duration.ofMillis(1));
		assertThat(this.b.store.pass(GPT_4O)).isEqualTo(BreakerPass.CLOSED);
		assertThat(this.reads.names()).containsExactly("HEXISTS");

		this.reads.clear();
		assertThat(this.b.store.pass(GPT_4O)).isEqualTo(BreakerPass.CLOSED);
		assertThat(this.reads.names()).isEmpty();
	}

	@Test
	void aDroppedSubscriptionForgetsTheClosedBreakersAndTheyAreKeptAgainOnceSubscribedAgain() throws Exception {
		watchedClosed(this.b);
		ChangeWatch watch = this.b.store.watch();
		long before = watch.version();

		try (RedisTestSupport.Inspector inspector = new RedisTestSupport.Inspector(redis.port())) {
			inspector.redis().clientKill(io.lettuce.core.KillArgs.Builder.typePubsub());
		}
		// Lettuce reconnects and subscribes again by itself; the drop and the re-subscription bump the version
		assertThat(watch.await(() -> watch.isLive() && watch.version() != before, WAIT)).isTrue();

		this.reads.clear();
		assertThat(this.b.store.pass(GPT_4O)).isEqualTo(BreakerPass.CLOSED);
		assertThat(this.reads.names()).containsExactly("HEXISTS");
		this.reads.clear();
		assertThat(this.b.store.pass(GPT_4O)).isEqualTo(BreakerPass.CLOSED);
		assertThat(this.reads.names()).isEmpty();
	}

	@Test
	void withoutTheSubscriptionEveryPassAsksRedis() throws Exception {
		watchedClosed(this.b);
		ChangeWatch watch = this.b.store.watch();
		byte[] channel = RedisKeys.bytes(PREFIX + ":changes");

		watch.unsubscribed(channel, 0);
		this.reads.clear();
		this.b.store.pass(GPT_4O);
		this.b.store.pass(GPT_4O);
		assertThat(this.reads.names()).containsExactly("HEXISTS", "HEXISTS");

		watch.subscribed(channel, 1);
		this.reads.clear();
		this.b.store.pass(GPT_4O);
		this.b.store.pass(GPT_4O);
		assertThat(this.reads.names()).containsExactly("HEXISTS");
	}

	@Test
	void aBreakerMessageArrivingWhileTheReadIsInFlightKeepsTheReadsAnswerOutOfMemory() throws Exception {
		watchedClosed(this.b);
		ChangeWatch watch = this.b.store.watch();
		this.clock.advance(ChangeWatch.MAX_AGE);
		byte[] channel = RedisKeys.bytes(PREFIX + ":changes");
		byte[] key = RedisKeys.bytes(PREFIX + ":breaker:openai/gpt-4o");

		// Redis answers closed to a read it ran before the breaker opened, whose message arrives first
		this.reads.onRead((name) -> watch.message(channel, key));
		assertThat(this.b.store.pass(GPT_4O)).isEqualTo(BreakerPass.CLOSED);
		this.reads.onRead((name) -> {
		});

		this.reads.clear();
		this.b.store.pass(GPT_4O);
		assertThat(this.reads.names()).containsExactly("HEXISTS");
	}

	@Test
	void failClosedRefusesAModelKnownClosedWhileRedisIsDown() throws Exception {
		Instance quick = watchingWhileRedisStopsAnswering(this::watchedClosed);

		assertThatExceptionOfType(GuardBackendUnavailableException.class).isThrownBy(() -> quick.store.pass(GPT_4O));
	}

	@Test
	void aCooldownAnotherInstanceStartsIsSeenOnceItsMessageArrives() throws Exception {
		watchedWithoutCooldown(this.b);
		Instant until = RedisTestSupport.START.plusSeconds(60);

		this.a.cooldowns.coolDown(GPT_4O, until);
		assertThat(this.b.store.watch().await(() -> this.b.store.watch().cooldownUntil(GPT_4O) < 0, WAIT)).isTrue();

		assertThat(this.b.cooldowns.cooldownUntil(GPT_4O, this.clock.instant())).isEqualTo(until);
	}

	@Test
	void aModelWithoutACooldownCostsNoCommandWhileWatchedAndIsAskedAgainAfterTheMaxAge() throws Exception {
		watchedWithoutCooldown(this.b);

		this.reads.clear();
		this.clock.advance(ChangeWatch.MAX_AGE.minusMillis(1));
		assertThat(this.b.cooldowns.cooldownUntil(GPT_4O, this.clock.instant())).isNull();
		assertThat(this.reads.names()).isEmpty();

		this.clock.advance(Duration.ofMillis(1));
		assertThat(this.b.cooldowns.cooldownUntil(GPT_4O, this.clock.instant())).isNull();
		assertThat(this.reads.names()).containsExactly("GET");
	}

	@Test
	void aKnownCooldownIsAnsweredFromMemoryUntilItEnds() throws Exception {
		Instant until = RedisTestSupport.START.plusMillis(500);
		this.a.cooldowns.coolDown(GPT_4O, until);
		watchedCooldown(this.b, until);

		this.reads.clear();
		assertThat(this.b.cooldowns.cooldownUntil(GPT_4O, this.clock.instant())).isEqualTo(until);
		this.clock.advance(Duration.ofMillis(500));
		assertThat(this.b.cooldowns.cooldownUntil(GPT_4O, this.clock.instant())).isNull();
		assertThat(this.reads.names()).isEmpty();
	}

	@Test
	void aCooldownMessageArrivingWhileTheReadIsInFlightKeepsTheReadsAnswerOutOfMemory() throws Exception {
		watchedWithoutCooldown(this.b);
		ChangeWatch watch = this.b.store.watch();
		this.clock.advance(ChangeWatch.MAX_AGE);
		byte[] channel = RedisKeys.bytes(PREFIX + ":changes");
		byte[] key = RedisKeys.bytes(PREFIX + ":cooldown:openai/gpt-4o");

		// Redis answers "no cooldown" to a read it ran before another instance's cooldown, whose message arrives first
		this.reads.onRead((name) -> watch.message(channel, key));
		assertThat(this.b.cooldowns.cooldownUntil(GPT_4O, this.clock.instant())).isNull();
		this.reads.onRead((name) -> {
		});

		this.reads.clear();
		this.b.cooldowns.cooldownUntil(GPT_4O, this.clock.instant());
		assertThat(this.reads.names()).containsExactly("GET");
	}

	@Test
	void failClosedRefusesACooldownReadWhileRedisIsDownThoughTheCooldownIsKnown() throws Exception {
		Instance quick = watchingWhileRedisStopsAnswering(this::watchedWithoutCooldown);

		assertThatExceptionOfType(GuardBackendUnavailableException.class)
			.isThrownBy(() -> quick.cooldowns.cooldownUntil(GPT_4O, this.clock.instant()));
	}

	@Test
	void aRedisUserWithoutTheChannelStillOpensBreakersAndCoolsModelsDownAskingRedisEachTime() throws Exception {
		try (RedisTestSupport.Inspector inspector = new RedisTestSupport.Inspector(redis.port())) {
			// Redis 7's default for new users: no pub/sub channels
			inspector.redis().aclSetuser("no-channels", io.lettuce.core.AclSetuserArgs.Builder.on()
				.addPassword("secret")
				.allKeys()
				.allCommands()
				.resetChannels());
		}
		LettuceConnectionFactory factory = RedisTestSupport.connectionFactory(redis.port(), "no-channels", "secret");
		this.closeables.add(factory::destroy);
		RedisGuardBackend backend = new RedisGuardBackend(factory::getRequiredNativeClient,
				RedisTestSupport.options(PREFIX, RedisFailureMode.FAIL_CLOSED), this.clock, (event) -> {
				});
		this.closeables.add(backend);
		RedisBreakerStore breakers = new RedisBreakerStore(backend);
		RedisCooldownStore cooldowns = new RedisCooldownStore(backend);
		assertThat(breakers.pass(GPT_4O)).isEqualTo(BreakerPass.CLOSED);

		BreakerChange change = null;
		for (int i = 0; i < 3; i++) {
			change = breakers.failed(GPT_4O, POLICY, Duration.ofSeconds(30));
		}
		assertThat(change.kind()).isEqualTo(BreakerChange.Kind.OPENED);
		assertThat(this.a.store.pass(GPT_4O).kind()).isEqualTo(BreakerPass.Kind.OPEN);

		Instant until = RedisTestSupport.START.plusSeconds(60);
		cooldowns.coolDown(GPT_4O, until);
		assertThat(this.a.cooldowns.cooldownUntil(GPT_4O, this.clock.instant())).isEqualTo(until);
		assertThat(backend.changes().isLive()).as("no subscription without the channel").isFalse();
	}

	/**
	 * A fail-closed instance that knows the model from its live watch; then Redis stops answering, found by
	 * a ping, while the subscription stays connected and live.
	 */
	private Instance watchingWhileRedisStopsAnswering(Watched watched) throws InterruptedException {
		Instance quick = instance(
				RedisTestSupport.options(PREFIX, RedisFailureMode.FAIL_CLOSED).withTimeout(Duration.ofMillis(200)));
		watched.learn(quick);
		try (RedisTestSupport.Inspector inspector = new RedisTestSupport.Inspector(redis.port())) {
			inspector.redis().clientPause(2_000);
		}
		assertThat(quick.backend.probe()).isFalse();
		assertThat(quick.store.watch().isLive()).isTrue();
		return quick;
	}

	/** How an instance comes to know the model from its watch. */
	@FunctionalInterface
	private interface Watched {

		void learn(Instance instance) throws InterruptedException;

	}

	/** Reads the model's cooldown until it is known to have none, like {@link #watchedClosed}. */
	private void watchedWithoutCooldown(Instance instance) throws InterruptedException {
		watchedCooldown(instance, null);
	}

	private void watchedCooldown(Instance instance, Instant until) throws InterruptedException {
		assertThat(instance.cooldowns.cooldownUntil(GPT_4O, this.clock.instant())).isEqualTo(until);
		assertThat(instance.store.watch().await(instance.store.watch()::isLive, WAIT)).isTrue();
		assertThat(instance.cooldowns.cooldownUntil(GPT_4O, this.clock.instant())).isEqualTo(until);
		assertThat(instance.store.watch().cooldownUntil(GPT_4O)).isEqualTo((until != null) ? until.toEpochMilli() : 0);
	}

	/** Passes until the model is known closed: the first pass opens the watch, the next after it is live keeps the answer. */
	private void watchedClosed(Instance instance) throws InterruptedException {
		assertThat(instance.store.pass(GPT_4O)).isEqualTo(BreakerPass.CLOSED);
		assertThat(instance.store.watch().await(instance.store.watch()::isLive, WAIT)).isTrue();
		assertThat(instance.store.pass(GPT_4O)).isEqualTo(BreakerPass.CLOSED);
		assertThat(instance.store.watch().isClosed(GPT_4O)).isTrue();
		this.reads.clear();
		assertThat(instance.store.pass(GPT_4O)).isEqualTo(BreakerPass.CLOSED);
		if (instance == this.b) {
			assertThat(this.reads.names()).isEmpty();
		}
	}

	/** The instance's watch hears no more messages, though subscribed: as if every message got lost. */
	private static void deaf(Instance instance) {
		ChangeWatch watch = instance.store.watch();
		watch.connection().removeListener((io.lettuce.core.pubsub.RedisPubSubListener<byte[], byte[]>) watch);
	}

	private Instance instance(RedisGuardOptions options) {
		LettuceConnectionFactory factory = RedisTestSupport.connectionFactory(redis.port());
		this.closeables.add(factory::destroy);
		RedisGuardBackend backend = new RedisGuardBackend(factory::getRequiredNativeClient, options, this.clock,
				(event) -> {
				});
		this.closeables.add(backend);
		return new Instance(factory, backend, new RedisBreakerStore(backend), new RedisCooldownStore(backend));
	}

	private record Instance(LettuceConnectionFactory factory, RedisGuardBackend backend, RedisBreakerStore store,
			RedisCooldownStore cooldowns) {
	}

	/** The breaker reads and scripts one client sends, in order. */
	static final class Reads implements CommandListener {

		private final List<String> names = new ArrayList<>();

		private volatile Consumer<String> onRead = (name) -> {
		};

		@Override
		public void commandStarted(CommandStartedEvent event) {
			String name = event.getCommand().getType().toString();
			if (name.equals("HEXISTS") || name.startsWith("EVAL") || name.equals("HMGET") || name.equals("GET")) {
				synchronized (this.names) {
					this.names.add(name);
				}
				this.onRead.accept(name);
			}
		}

		/** Runs on the sending thread as each read is sent, before its answer. */
		void onRead(Consumer<String> action) {
			this.onRead = action;
		}

		void clear() {
			synchronized (this.names) {
				this.names.clear();
			}
		}

		List<String> names() {
			synchronized (this.names) {
				return List.copyOf(this.names);
			}
		}

	}

}

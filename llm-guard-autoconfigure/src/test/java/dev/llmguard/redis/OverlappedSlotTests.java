package dev.llmguard.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import dev.llmguard.core.GuardInterruptedException;
import dev.llmguard.core.config.GuardSettings;
import dev.llmguard.core.config.PriorityReserve;
import dev.llmguard.core.config.ProviderSpec;
import dev.llmguard.core.limit.Demand;
import dev.llmguard.core.limit.NoCapacityException;
import dev.llmguard.core.limit.RateLimiters;
import dev.llmguard.core.limit.RatePermit;
import dev.llmguard.core.time.ManualGuardClock;
import dev.llmguard.test.redis.RedisServerExtension;

import static dev.llmguard.redis.RedisTestSupport.GPT_4O;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * An admission with {@code max-concurrent} shared through Redis sends the fleet's slot take before its
 * bucket takes and awaits it after them: whichever refuses, what the other took is given back, in Redis
 * too; while Redis fails the failure mode answers as before, and nothing is left held here.
 */
class OverlappedSlotTests {

	@RegisterExtension
	static final RedisServerExtension redis = new RedisServerExtension();

	private static final String SLOTS = "provider:openai:max-concurrent";

	private static final int CAP = 2;

	private static final long TOKENS = 1_000;

	private static final Duration NO_WAIT = Duration.ZERO;

	private static final int PRIORITY = 5;

	private final ManualGuardClock clock = new ManualGuardClock(RedisTestSupport.START);

	private final List<AutoCloseable> opened = new ArrayList<>();

	@BeforeEach
	void flush() {
		try (RedisTestSupport.Inspector inspector = new RedisTestSupport.Inspector(redis.port())) {
			inspector.redis().flushall();
		}
	}

	@AfterEach
	void close() throws Exception {
		for (int i = this.opened.size() - 1; i >= 0; i--) {
			this.opened.get(i).close();
		}
	}

	@Test
	void aSlotTheFleetRefusesAfterTheBucketsWereTakenGivesTheirTokensBack() throws Exception {
		Instance here = instance(RedisFailureMode.FAIL_CLOSED);
		Instance other = instance(RedisFailureMode.FAIL_CLOSED);
		RatePermit[] elsewhere = { other.acquire(100), other.acquire(100) };
		assertThat(slotsHeld()).isEqualTo(CAP);
		long available = here.availableTokens();
		assertThat(available).isEqualTo(TOKENS - 200);

		assertThatExceptionOfType(NoCapacityException.class).isThrownBy(() -> here.acquire(300))
			.withMessageContaining("max-concurrent " + CAP)
			.withMessageContaining("across the fleet");
		// given back without waiting: the bucket is whole again once Redis has run the give-back
		RedisTestSupport.eventually(() -> here.availableTokens() == available, "the tokens are given back");
		assertThat(slotsHeld()).isEqualTo(CAP);
		assertThat(here.slots().held()).isZero();

		for (RatePermit permit : elsewhere) {
			permit.release();
		}
		assertThat(other.inUse()).isZero();
		// the whole cap is there for this instance: the refused call left no slot counted here
		RatePermit[] both = { here.acquire(300), here.acquire(100) };
		assertThat(here.availableTokens()).isEqualTo(TOKENS - 400);
		assertThat(here.inUse()).isEqualTo(CAP);
		for (RatePermit permit : both) {
			permit.release();
		}
		assertThat(here.inUse()).isZero();
	}

	@Test
	void aBucketRefusalFreesTheSlotTakenMeanwhile() throws Exception {
		Instance here = instance(RedisFailureMode.FAIL_CLOSED);
		RatePermit first = here.acquire(600);
		assertThat(here.slots().held()).isOne();

		assertThatExceptionOfType(NoCapacityException.class).isThrownBy(() -> here.acquire(600))
			.withMessageContaining("tokens-per-minute");
		RedisTestSupport.eventually(() -> slotsHeld() == 1, "the slot taken meanwhile is freed in Redis");
		assertThat(here.inUse()).isOne();
		assertThat(here.slots().held()).isOne();

		first.release();
		assertThat(here.inUse()).isZero();
		assertThat(slotsHeld()).isZero();
		// the whole cap is there again: nothing leaked here nor in Redis
		RatePermit[] both = { here.acquire(100), here.acquire(100) };
		assertThat(here.inUse()).isEqualTo(CAP);
		for (RatePermit permit : both) {
			permit.release();
		}
	}

	@Test
	void aTakeAwaitedByAnInterruptedThreadFreesItsSlotInRedis() throws Exception {
		Instance here = instance(RedisFailureMode.FAIL_CLOSED);
		RedisSharedSlots slots = (RedisSharedSlots) here.store.sharedSlots(SLOTS);
		assertThat(slots.inUse()).isZero();

		// Redis holds its answer until the interrupted caller waits for it (else a fast answer is simply taken)
		try (RedisTestSupport.Inspector inspector = new RedisTestSupport.Inspector(redis.port())) {
			inspector.redis().clientPause(300);
		}
		Thread.currentThread().interrupt();
		try {
			assertThatExceptionOfType(GuardInterruptedException.class).isThrownBy(() -> slots.tryTake(CAP));
		}
		finally {
			assertThat(Thread.interrupted()).as("the interrupt is kept").isTrue();
		}
		// the take reached Redis: the ZREM sent once it is answered removes the slot, no lease is left to run out
		RedisTestSupport.eventually(() -> slotsHeld() == 0, "the slot is freed in Redis");
		assertThat(slots.inUse()).isZero();
		assertThat(slots.held()).isZero();
		assertThat(here.backend.isAvailable()).isTrue();
	}

	@Test
	void failClosedWithRedisDownRejectsAndLeavesNoSlotCountedHere() throws Exception {
		Instance here = instance(RedisFailureMode.FAIL_CLOSED);
		here.acquire(100).release();

		redis.stop();
		try {
			for (int i = 0; i < 3; i++) {
				assertThatExceptionOfType(GuardBackendUnavailableException.class).isThrownBy(() -> here.acquire(100));
				assertThat(here.inUse()).isZero();
			}
		}
		finally {
			redis.start();
		}
		RedisTestSupport.eventually(here.backend::probe, "the guard reaches Redis again");
		// the whole cap is there again: no slot stayed counted here
		RatePermit[] both = { here.acquire(100), here.acquire(100) };
		assertThat(here.inUse()).isEqualTo(CAP);
		for (RatePermit permit : both) {
			permit.release();
		}
		assertThat(here.inUse()).isZero();
	}

	@Test
	void theCallThatTriesRedisAgainAfterTheRetryIntervalOnTheGuardsClockIsAdmittedWhenRedisAnswers() throws Exception {
		Duration retryInterval = Duration.ofMinutes(10);
		Instance here = instance(RedisTestSupport.options("overlap", RedisFailureMode.FAIL_CLOSED)
			.withTimeout(Duration.ofMillis(200))
			.withRetryInterval(retryInterval));
		here.acquire(100).release();

		// Redis stops answering for a while, without dropping the connection: a ping times out and marks it
		// down; nothing else is in flight whose late answer could mark it up again
		try (RedisTestSupport.Inspector inspector = new RedisTestSupport.Inspector(redis.port())) {
			inspector.redis().clientPause(1_000);
			assertThat(here.backend.probe()).isFalse();
			assertThat(here.backend.isAvailable()).isFalse();
			inspector.redis().ping(); // answered once the pause is over
		}

		// within the retry interval, on the guard's clock, calls are answered by the failure mode
		assertThatExceptionOfType(GuardBackendUnavailableException.class).isThrownBy(() -> here.acquire(100));
		assertThat(here.backend.isAvailable()).isFalse();

		// the first call after the retry interval tries Redis again with its slot take: its bucket takes must
		// not be answered by the failure mode while that try is in flight
		this.clock.advance(retryInterval);
		RatePermit permit = here.acquire(100);
		assertThat(here.backend.isAvailable()).isTrue();
		permit.release();
	}

	@Test
	void failOpenWithRedisDownAdmitsWithASlotOfThisInstance() throws Exception {
		Instance here = instance(RedisFailureMode.FAIL_OPEN);
		here.acquire(100).release();

		redis.stop();
		try {
			RatePermit[] both = { here.acquire(100), here.acquire(100) };
			assertThat(here.inUse()).isEqualTo(CAP);
			assertThat(here.slots().held()).as("no lease in Redis").isZero();
			// the cap holds per instance meanwhile
			assertThatExceptionOfType(NoCapacityException.class).isThrownBy(() -> here.acquire(100))
				.withMessageContaining("max-concurrent " + CAP);
			for (RatePermit permit : both) {
				permit.release();
			}
			assertThat(here.inUse()).isZero();
		}
		finally {
			redis.start();
		}
	}

	private Instance instance(RedisFailureMode mode) {
		return instance(RedisTestSupport.options("overlap", mode));
	}

	private Instance instance(RedisGuardOptions options) {
		LettuceConnectionFactory factory = RedisTestSupport.connectionFactory(redis.port());
		this.opened.add(factory::destroy);
		RedisGuardBackend backend = new RedisGuardBackend(factory::getRequiredNativeClient, options, this.clock,
				(event) -> {
				});
		this.opened.add(backend);
		RedisBucketStore store = new RedisBucketStore(backend);
		GuardSettings settings = GuardSettings.builder()
			.headroom(1.0)
			.priorityReserve(PriorityReserve.NONE)
			.provider(new ProviderSpec("openai", null, RedisTestSupport.limits(null, TOKENS), CAP, Duration.ZERO,
					Map.of(GPT_4O.model(), RedisTestSupport.model(GPT_4O, null))))
			.build();
		return new Instance(backend, store, new RateLimiters(settings, store, this.clock));
	}

	/** One application instance: its backend, bucket store and limiters. */
	private record Instance(RedisGuardBackend backend, RedisBucketStore store, RateLimiters limiters) {

		RatePermit acquire(long tokens) throws InterruptedException {
			return this.limiters.acquire(GPT_4O, new Demand(tokens / 2, tokens - tokens / 2), PRIORITY, NO_WAIT);
		}

		long availableTokens() {
			return this.limiters.snapshot("openai").limits().get("tokens-per-minute").available();
		}

		RedisSharedSlots slots() {
			return this.store.slotsOf(SLOTS);
		}

		/** Slots held: the fleet's, read on this instance's connection, or this instance's while Redis is down. */
		int inUse() {
			return this.limiters.snapshot("openai").inUse();
		}

	}

	private long slotsHeld() {
		try (RedisTestSupport.Inspector inspector = new RedisTestSupport.Inspector(redis.port())) {
			List<String> keys = inspector.keys("*:slots:*");
			return keys.isEmpty() ? 0 : inspector.redis().zcard(keys.get(0));
		}
	}

}

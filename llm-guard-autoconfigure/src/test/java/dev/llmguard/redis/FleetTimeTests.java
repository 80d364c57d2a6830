package dev.llmguard.redis;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.locks.Condition;

import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import dev.llmguard.core.budget.BudgetCharge;
import dev.llmguard.core.budget.BudgetPeriods;
import dev.llmguard.core.budget.BudgetWindow;
import dev.llmguard.core.budget.ReserveOutcome;
import dev.llmguard.core.config.BudgetPeriod;
import dev.llmguard.core.config.BudgetScope;
import dev.llmguard.core.config.BudgetSpec;
import dev.llmguard.core.time.GuardClock;
import dev.llmguard.test.redis.RedisServerExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Instances whose clocks disagree still share one time through Redis: lease ends, budget periods and
 * bucket refills are read on Redis's clock, not on each instance's.
 */
class FleetTimeTests {

	@RegisterExtension
	static final RedisServerExtension redis = new RedisServerExtension();

	private static final BudgetSpec LIFETIME = RedisTestSupport.tokenBudget("lifetime", BudgetScope.GLOBAL,
			BudgetPeriod.NONE, 1000);

	private static final BudgetSpec DAILY = RedisTestSupport.tokenBudget("daily", BudgetScope.GLOBAL, BudgetPeriod.DAY,
			1000);

	private Instance onTime;

	private Instance ahead;

	@BeforeEach
	void start() {
		try (RedisTestSupport.Inspector inspector = new RedisTestSupport.Inspector(redis.port())) {
			inspector.redis().flushall();
		}
		this.onTime = new Instance(Duration.ZERO);
	}

	@AfterEach
	void stop() {
		this.onTime.close();
		if (this.ahead != null) {
			this.ahead.close();
		}
	}

	@Test
	void anInstanceWhoseClockIsAheadReclaimsNoLiveReservationOfAnother() {
		this.ahead = new Instance(RedisGuardOptions.DEFAULT.reservationLease().plusMinutes(1));
		assertThat(this.onTime.ledger.reserve(List.of(this.onTime.charge(LIFETIME, 900))))
			.isInstanceOf(ReserveOutcome.Reserved.class);
		assertThat(this.ahead.ledger.reserve(List.of(this.ahead.charge(LIFETIME, 200))))
			.isInstanceOf(ReserveOutcome.Exceeded.class);
	}

	@Test
	void instancesWhoseClocksDisagreeCountInTheSamePeriod() {
		this.ahead = new Instance(Duration.ofDays(2));
		ReserveOutcome.Reserved here = (ReserveOutcome.Reserved) this.onTime.ledger
			.reserve(List.of(this.onTime.charge(DAILY, 100)));
		ReserveOutcome.Reserved there = (ReserveOutcome.Reserved) this.ahead.ledger
			.reserve(List.of(this.ahead.charge(DAILY, 100)));
		assertThat(there.reservation().charges().get(0).periodStart())
			.isEqualTo(here.reservation().charges().get(0).periodStart());
		assertThat(there.usages().get(0).reservedTokens()).isEqualTo(200);
	}

	@Test
	void instancesWhoseClocksDisagreeRefillSharedBucketsOnOneClock() {
		this.ahead = new Instance(Duration.ofHours(1));
		BucketConfiguration tenPerHour = BucketConfiguration.builder()
			.addLimit((limit) -> limit.capacity(10).refillGreedy(10, Duration.ofHours(1)))
			.build();
		Bucket here = this.onTime.buckets.bucket("requests-per-hour", () -> tenPerHour);
		Bucket there = this.ahead.buckets.bucket("requests-per-hour", () -> tenPerHour);
		assertThat(here.tryConsume(10)).isTrue();
		// an hour ahead, the other instance would see the bucket refilled
		assertThat(there.tryConsume(5)).isFalse();
	}

	/** An application instance whose clock is off by a fixed amount. */
	private static final class Instance implements AutoCloseable {

		private final SkewedClock clock;

		private final LettuceConnectionFactory factory = RedisTestSupport.connectionFactory(redis.port());

		private final RedisGuardBackend backend;

		private final RedisBudgetLedger ledger;

		private final RedisBucketStore buckets;

		Instance(Duration skew) {
			this.clock = new SkewedClock(skew);
			this.backend = new RedisGuardBackend(this.factory::getRequiredNativeClient,
					RedisTestSupport.options("fleet", RedisFailureMode.FAIL_CLOSED), this.clock, (event) -> {
					});
			this.ledger = new RedisBudgetLedger(this.backend, ZoneOffset.UTC);
			this.buckets = new RedisBucketStore(this.backend);
		}

		/** A charge as this instance's engine computes it, in the period of its own clock. */
		BudgetCharge charge(BudgetSpec budget, long tokens) {
			BudgetWindow window = BudgetPeriods.windowOf(budget.period(), this.clock.instant(), ZoneOffset.UTC);
			return new BudgetCharge(budget, "", window.start(), window.end(), 0, tokens);
		}

		@Override
		public void close() {
			this.backend.close();
			this.factory.destroy();
		}

	}

	/** The system clock off by a fixed amount, as on a host whose time is not synchronised. */
	private record SkewedClock(Duration skew) implements GuardClock {

		@Override
		public Instant instant() {
			return Instant.now().plus(this.skew);
		}

		@Override
		public void sleep(Duration duration) throws InterruptedException {
			GuardClock.system().sleep(duration);
		}

		@Override
		public void await(Condition condition, Duration atMost) throws InterruptedException {
			GuardClock.system().await(condition, atMost);
		}

	}

}

package dev.llmguard.redis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;

import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.llmguard.core.time.GuardClock;

/**
 * The time every instance of the fleet shares: Redis's clock (its {@code TIME}), read as this
 * instance's clock plus the offset between the two, measured when the backend connects and again
 * every minute, so reading it costs no round trip. Lease ends, budget periods and bucket refills then
 * agree across instances whose clocks do not: an instance whose clock runs ahead cannot reclaim the
 * live reservations of others, count in another period or refill buckets early. The offset is exact
 * to half a round trip. Until the first measurement answers, this is the instance's clock.
 */
final class RedisTimeClock implements GuardClock {

	private static final Logger logger = LoggerFactory.getLogger(RedisTimeClock.class);

	/** An offset at least this large means this host's clock needs a look; it is logged once. */
	private static final Duration WORTH_A_WARNING = Duration.ofSeconds(1);

	private final GuardClock local;

	private final Runnable connect;

	private final AtomicBoolean connectAsked = new AtomicBoolean();

	private final AtomicBoolean warned = new AtomicBoolean();

	private volatile long offsetNanos;

	private volatile boolean measured;

	/**
	 * @param local this instance's clock
	 * @param connect opens the backend's connection, which measures the offset; asked once, by the
	 * first reading before any measurement, so that even the first operation reads Redis's time
	 */
	RedisTimeClock(GuardClock local, Runnable connect) {
		this.local = Objects.requireNonNull(local, "local");
		this.connect = Objects.requireNonNull(connect, "connect");
	}

	@Override
	public Instant instant() {
		if (!this.measured && this.connectAsked.compareAndSet(false, true)) {
			this.connect.run();
		}
		return this.local.instant().plusNanos(this.offsetNanos);
	}

	@Override
	public void sleep(Duration duration) throws InterruptedException {
		this.local.sleep(duration);
	}

	@Override
	public void await(Condition condition, Duration atMost) throws InterruptedException {
		this.local.await(condition, atMost);
	}

	/** Redis's clock minus this instance's, as last measured (zero before). */
	Duration offset() {
		return Duration.ofNanos(this.offsetNanos);
	}

	/**
	 * Sends {@code TIME} and takes the offset from the answer, against the middle of the local readings
	 * before and after it. Never blocks.
	 * @param redis the backend's connection
	 * @return completes once the offset is updated
	 */
	CompletionStage<Void> measure(RedisClusterAsyncCommands<byte[], byte[]> redis) {
		long before = this.local.epochNanos();
		return redis.time().thenAccept((reply) -> {
			long after = this.local.epochNanos();
			long redisNanos = Math.addExact(Math.multiplyExact(number(reply, 0), 1_000_000_000L),
					Math.multiplyExact(number(reply, 1), 1_000L));
			long offset = redisNanos - (before + (after - before) / 2);
			this.offsetNanos = offset;
			this.measured = true;
			if (Math.abs(offset) >= WORTH_A_WARNING.toNanos() && this.warned.compareAndSet(false, true)) {
				logger.warn("llm-guard: this host's clock is {} ms {} Redis's; the Redis backend reads Redis's "
						+ "time for budget periods, reservation leases and buckets, but check the host's time "
						+ "synchronisation (NTP)", Math.abs(offset) / 1_000_000, (offset > 0) ? "behind" : "ahead of");
			}
		});
	}

	private static long number(List<byte[]> reply, int index) {
		return Long.parseLong(new String(reply.get(index), StandardCharsets.US_ASCII));
	}

}

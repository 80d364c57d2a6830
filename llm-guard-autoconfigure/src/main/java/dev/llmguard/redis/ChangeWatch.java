package dev.llmguard.redis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.llmguard.core.model.ModelRef;

/**
 * What this instance knows of the models' shared breakers and cooldowns, kept while it listens to the
 * changes the scripts of {@link BreakerScripts} and {@link BudgetScripts#COOL_DOWN} publish, so asking
 * a closed breaker or a model without a cooldown costs no round trip.
 * <p>
 * A model's breaker is known closed, or its cooldown known, when Redis said so and no change message
 * arrived, nor did the subscription drop, between asking and the answer; it is forgotten when a message
 * names its key, when the subscription drops (messages published meanwhile are lost), and it is trusted
 * for {@link #MAX_AGE} at most, in case a message got lost anyway. Only while subscribed is anything
 * trusted. The pub/sub connection is opened on the first answer Redis gave (so never while Redis is
 * down) and closed with the backend; Lettuce reconnects and subscribes it again by itself. One per
 * backend: both stores share its connection.
 */
final class ChangeWatch extends RedisPubSubAdapter<byte[], byte[]> implements RedisConnectionStateListener {

	private static final Logger logger = LoggerFactory.getLogger(ChangeWatch.class);

	/** How long a breaker known closed, or a cooldown known, is trusted without asking Redis again. */
	static final Duration MAX_AGE = Duration.ofSeconds(1);

	/** Models are configured, so few; this only caps what a misuse could add. */
	static final int MAX_MODELS = 1024;

	/** How long to wait before trying again to open a pub/sub connection that could not be opened. */
	private static final Duration REOPEN = Duration.ofMinutes(1);

	private final RedisGuardBackend backend;

	private final byte[] channel;

	/** The breakers known closed, by model: the breaker's key and when Redis said so (epoch nanos). */
	private final Map<ModelRef, Known> closed = new ConcurrentHashMap<>();

	/** The cooldowns known, by model: the cooldown's key, its end (epoch ms, 0 for none) and when Redis said so. */
	private final Map<ModelRef, Known> cooldowns = new ConcurrentHashMap<>();

	/** Bumped, under this object's lock, on every message and every change of the subscription. */
	private volatile long version;

	/** Subscribed and confirmed by Redis, and not dropped since. */
	private volatile boolean live;

	private volatile StatefulRedisPubSubConnection<byte[], byte[]> connection;

	private final AtomicBoolean opening = new AtomicBoolean();

	/** Epoch nanos of the guard's clock before which no connection is opened again. */
	private volatile long openAfter;

	private record Known(String key, long value, long since) {
	}

	ChangeWatch(RedisGuardBackend backend) {
		this.backend = backend;
		this.channel = RedisKeys.bytes(backend.keys().changes());
	}

	/** Whether the model's breaker is known closed now: watched, known, and told so less than {@link #MAX_AGE} ago. */
	boolean isClosed(ModelRef model) {
		if (!this.live) {
			return false;
		}
		Known known = this.closed.get(model);
		return known != null && now() - known.since < MAX_AGE.toNanos();
	}

	/**
	 * The end of the model's shared cooldown (epoch ms, 0 for none) when it is known now: watched, and
	 * told less than {@link #MAX_AGE} ago; else {@code -1}.
	 */
	long cooldownUntil(ModelRef model) {
		if (!this.live) {
			return -1;
		}
		Known known = this.cooldowns.get(model);
		return (known != null && now() - known.since < MAX_AGE.toNanos()) ? known.value : -1;
	}

	/**
	 * The version to pass to {@link #closed} with the answer of a read sent after this; negative
	 * while not watching, when no answer may be kept.
	 */
	long version() {
		return this.live ? this.version : -1;
	}

	/** Starts watching unless it did: called once Redis answered, so a down Redis never delays a call twice. */
	void start() {
		if (this.connection == null) {
			open();
		}
	}

	/**
	 * Redis said the model's breaker is closed, to a read sent at {@code version}: kept only if nothing
	 * happened since, else a change that arrived while the read was in flight would be overwritten.
	 */
	synchronized void closed(ModelRef model, String key, long version) {
		keep(this.closed, model, new Known(key, 0, now()), version);
	}

	/**
	 * Redis answered the model's cooldown ({@code untilMs}, 0 for none) to a read sent at {@code version};
	 * kept like {@link #closed}.
	 */
	synchronized void cooldown(ModelRef model, String key, long untilMs, long version) {
		keep(this.cooldowns, model, new Known(key, untilMs, now()), version);
	}

	private void keep(Map<ModelRef, Known> known, ModelRef model, Known answer, long version) {
		if (version < 0 || version != this.version || !this.live) {
			return;
		}
		if (known.size() >= MAX_MODELS && !known.containsKey(model)) {
			return;
		}
		known.put(model, answer);
	}

	@Override
	public void message(byte[] channel, byte[] message) {
		if (Arrays.equals(channel, this.channel)) {
			changed(new String(message, StandardCharsets.UTF_8));
		}
	}

	@Override
	public void subscribed(byte[] channel, long count) {
		if (Arrays.equals(channel, this.channel)) {
			restart(true);
			logger.debug("llm-guard: watching breaker and cooldown changes on {}", this.backend.keys().changes());
		}
	}

	@Override
	public void unsubscribed(byte[] channel, long count) {
		if (Arrays.equals(channel, this.channel)) {
			restart(false);
		}
	}

	@Override
	public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
		restart(false);
	}

	/**
	 * Forgets everything known: on subscribing, what was read before may have changed unheard; on losing the
	 * subscription, messages published from now until subscribed again are lost.
	 * @param live whether messages arrive from now on
	 */
	private synchronized void restart(boolean live) {
		this.live = false; // first: a reader must not take an answer being forgotten
		this.closed.clear();
		this.cooldowns.clear();
		this.version++;
		this.live = live;
		notifyAll();
	}

	/**
	 * The breaker or cooldown with this key changed: forgotten at once, on its message or, when this
	 * instance changed it, without waiting for its own message.
	 */
	synchronized void changed(String key) {
		this.closed.values().removeIf((known) -> known.key.equals(key));
		this.cooldowns.values().removeIf((known) -> known.key.equals(key));
		this.version++;
		notifyAll();
	}

	/** Opens the pub/sub connection and subscribes, one caller at a time, again at most every {@link #REOPEN}. */
	private void open() {
		if (!this.backend.isUp() || now() < this.openAfter || !this.opening.compareAndSet(false, true)) {
			return;
		}
		try {
			if (this.connection != null) {
				return;
			}
			StatefulRedisPubSubConnection<byte[], byte[]> opened = this.backend.connectPubSub();
			opened.addListener((RedisPubSubAdapter<byte[], byte[]>) this);
			opened.addListener((RedisConnectionStateListener) this);
			this.connection = opened;
			opened.async().subscribe(this.channel).exceptionally((ex) -> {
				logger.debug("llm-guard: could not subscribe to breaker and cooldown changes; every one is asked in Redis", ex);
				return null;
			});
		}
		catch (RuntimeException ex) {
			this.openAfter = now() + REOPEN.toNanos();
			logger.debug("llm-guard: could not open a pub/sub connection for breaker and cooldown changes; every one is "
					+ "asked in Redis, trying again in {}", REOPEN, ex);
		}
		finally {
			this.opening.set(false);
		}
	}

	private long now() {
		return this.backend.clock().epochNanos();
	}

	/** Whether subscribed, for tests. */
	boolean isLive() {
		return this.live;
	}

	/** The pub/sub connection, {@code null} until opened; for tests. */
	StatefulRedisPubSubConnection<byte[], byte[]> connection() {
		return this.connection;
	}

	/**
	 * Waits until the condition holds, re-checking it after every message and change of the
	 * subscription; for tests, which wait for a message instead of sleeping.
	 * @return whether it held within {@code atMost}
	 */
	synchronized boolean await(BooleanSupplier condition, Duration atMost) throws InterruptedException {
		long deadline = System.nanoTime() + atMost.toNanos();
		while (!condition.getAsBoolean()) {
			long left = deadline - System.nanoTime();
			if (left <= 0) {
				return false;
			}
			TimeUnit.NANOSECONDS.timedWait(this, left);
		}
		return true;
	}

}

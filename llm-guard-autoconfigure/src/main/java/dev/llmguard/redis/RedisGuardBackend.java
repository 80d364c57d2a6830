package dev.llmguard.redis;

import java.io.IOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.protocol.RedisCommand;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.llmguard.core.GuardInterruptedException;
import dev.llmguard.core.event.GuardEvent;
import dev.llmguard.core.event.GuardListener;
import dev.llmguard.core.time.GuardClock;
import dev.llmguard.core.time.ManualGuardClock;

/**
 * The Redis connection of the guard and what happens when Redis fails.
 * <p>
 * The connection is opened lazily from the application's own Lettuce client (the one Spring Data
 * Redis configured from {@code spring.data.redis.*}), so the guard needs no connection settings of
 * its own and shares the client's event loops; Lettuce reconnects it by itself after an outage.
 * <p>
 * Every operation waits at most {@link RedisGuardOptions#timeout()}. A failure marks Redis down:
 * one WARN and one {@link GuardEvent.BackendFailed} per outage, and for
 * {@link RedisGuardOptions#retryInterval()} operations do not wait for Redis at all but get the
 * answer of the failure mode at once (fail-open: as if unlimited; fail-closed:
 * {@link GuardBackendUnavailableException}). After that one caller at a time tries Redis again; the
 * first success marks it up, without a restart. Each operation answered by the failure mode is
 * counted in {@link #failures()}.
 * <p>
 * What the backend stores in Redis is timed by Redis's clock ({@link #time()}), one clock for every
 * instance, so instances whose clocks disagree still agree on lease ends, budget periods and bucket
 * refills.
 */
public final class RedisGuardBackend implements AutoCloseable {

	private static final Logger logger = LoggerFactory.getLogger(RedisGuardBackend.class);

	/** How often the offset between this instance's clock and Redis's is measured again. */
	private static final Duration TIME_CHECK = Duration.ofMinutes(1);

	private final Supplier<? extends AbstractRedisClient> client;

	private final RedisGuardOptions options;

	private final RedisKeys keys;

	private final GuardClock clock;

	private final GuardClock time;

	private final GuardListener listener;

	private final Object connectLock = new Object();

	private volatile StatefulConnection<byte[], byte[]> connection;

	private volatile RedisClusterAsyncCommands<byte[], byte[]> commands;

	/** The client the connection was opened from, whose event executors run periodic tasks. */
	private volatile AbstractRedisClient connectedClient;

	/** What this instance knows of breakers and cooldowns while it listens to their changes. */
	private final ChangeWatch changes;

	/** Pub/sub connections opened by {@link #connectPubSub()}, closed on {@link #close()}. */
	private final List<StatefulConnection<byte[], byte[]>> pubSub = new CopyOnWriteArrayList<>();

	/** Periodic tasks, cancelled on {@link #close()}. */
	private final List<Future<?>> periodic = new CopyOnWriteArrayList<>();

	private volatile boolean closed;

	private volatile boolean down;

	/** When, on the guard's clock ({@link GuardClock#epochNanos()}), a caller may try Redis again while it is down. */
	private volatile long retryAt;

	private final AtomicBoolean probing = new AtomicBoolean();

	private final AtomicLong failures = new AtomicLong();

	private final AtomicLong outages = new AtomicLong();

	/** This instance's part of every id it makes: 96 random bits, drawn once (see {@link #newId()}). */
	private final String idPrefix;

	private final AtomicLong ids = new AtomicLong();

	/**
	 * @param client the application's Lettuce client, asked for on first use ({@code RedisClient} or
	 * {@code RedisClusterClient})
	 * @param options the backend's settings
	 * @param clock the guard's clock, for event times; the time of what is stored in Redis is this
	 * clock corrected to Redis's ({@link #time()}), except for a {@link ManualGuardClock}, which a test
	 * moves by hand and which is used as it is
	 * @param listener receives {@link GuardEvent.BackendFailed}; must not throw
	 */
	public RedisGuardBackend(Supplier<? extends AbstractRedisClient> client, RedisGuardOptions options,
			GuardClock clock, GuardListener listener) {
		this.client = Objects.requireNonNull(client, "client");
		this.options = Objects.requireNonNull(options, "options");
		this.keys = new RedisKeys(options.keyPrefix());
		this.clock = Objects.requireNonNull(clock, "clock");
		this.time = (clock instanceof ManualGuardClock) ? clock : new RedisTimeClock(clock, this::connectQuietly);
		this.listener = Objects.requireNonNull(listener, "listener");
		byte[] random = new byte[12];
		new SecureRandom().nextBytes(random);
		this.idPrefix = Base64.getUrlEncoder().withoutPadding().encodeToString(random) + "-";
		this.changes = new ChangeWatch(this);
	}

	/** The watch of breaker and cooldown changes, shared by the stores of this backend. */
	ChangeWatch changes() {
		return this.changes;
	}

	/**
	 * A new id for a reservation or a slot, unique across the fleet: this instance's random prefix and
	 * a counter. Cheaper than a random UUID per call (no secure random, no contended lock) and shorter
	 * in Redis; only characters that are plain in a key segment ({@code [A-Za-z0-9_-]}).
	 */
	String newId() {
		return this.idPrefix + Long.toString(this.ids.incrementAndGet(), 36);
	}

	public RedisGuardOptions options() {
		return this.options;
	}

	RedisKeys keys() {
		return this.keys;
	}

	/** The guard's clock, for events and for instants exchanged with the engine. */
	GuardClock clock() {
		return this.clock;
	}

	/**
	 * The time of what is stored in Redis (lease ends, budget periods, bucket refills): Redis's clock,
	 * read without a round trip (see {@link RedisTimeClock}); a {@link ManualGuardClock} as it is.
	 */
	GuardClock time() {
		return this.time;
	}

	/**
	 * Whether Redis answered the last operation (or nothing has failed yet). Cheap: for health
	 * indicators and gauges that must not wait; {@link #probe()} asks Redis.
	 */
	public boolean isAvailable() {
		return !this.down;
	}

	/**
	 * Sends a PING now and waits at most the timeout; a success marks Redis up again, a failure
	 * marks it down. Never throws.
	 * @return whether Redis answered
	 */
	public boolean probe() {
		try {
			await(commands().ping());
			succeeded();
			return true;
		}
		catch (Throwable ex) {
			if (ex instanceof InterruptedException) {
				Thread.currentThread().interrupt();
			}
			failed("ping", ex);
			return false;
		}
	}

	/** Operations answered by the failure mode because Redis failed or was known to be down. */
	public long failures() {
		return this.failures.get();
	}

	/** Times Redis went from up to down. */
	public long outages() {
		return this.outages.get();
	}

	/** {@code fail-open} or {@code fail-closed}. */
	public RedisFailureMode mode() {
		return this.options.onFailure();
	}

	/**
	 * Runs one Redis operation under the failure mode.
	 * @param operation what it is, for logs and errors, e.g. {@code budget reserve}
	 * @param command starts the operation (called only when Redis is worth asking)
	 * @param failOpen the answer while Redis fails, in fail-open mode
	 * @return the operation's result or, in fail-open mode, {@code failOpen}'s
	 * @throws GuardBackendUnavailableException in fail-closed mode when Redis fails
	 * @throws GuardInterruptedException when the thread is interrupted while it waits (in either mode)
	 */
	<T> T call(String operation, Supplier<? extends CompletionStage<T>> command, Supplier<T> failOpen) {
		return call(operation, command, failOpen, null);
	}

	/**
	 * Like {@link #call}, for an operation whose effect must not outlive a caller that got no answer: when
	 * it was sent and its answer did not come (the caller was interrupted, the timeout passed, the
	 * connection failed), Redis may still run it, so {@code undo} sends what takes it back, without
	 * waiting and even while Redis is marked down; commands on the connection run in the order they were
	 * sent, so the undo runs after the operation. It must be harmless when the operation never ran.
	 * @param undo sends the command that takes the operation back, or {@code null} for none
	 */
	<T> T call(String operation, Supplier<? extends CompletionStage<T>> command, Supplier<T> failOpen,
			Runnable undo) {
		Result<T> result = run(operation, command);
		if (result.failure == null) {
			return result.value;
		}
		if (undo != null && result.failure != KNOWN_DOWN) {
			try {
				undo.run();
			}
			catch (RuntimeException ex) {
				logger.debug("llm-guard: could not take back {} after its failure", operation, ex);
			}
		}
		throwIfInterrupted(operation, result.failure);
		return degraded(operation, result.failure, failOpen);
	}

	/**
	 * An interrupted wait is the caller leaving, not Redis failing: neither counted nor answered by the
	 * failure mode (fail-open would admit a caller that is going away).
	 */
	private static void throwIfInterrupted(String operation, Throwable failure) {
		if (failure instanceof InterruptedException interrupted) {
			throw new GuardInterruptedException(operation, interrupted);
		}
	}

	/**
	 * Runs one Redis operation whose failure must not fail the caller in any mode (settling,
	 * giving back): a failure is counted and logged like any other.
	 * @return the result, or {@code null} when Redis failed
	 */
	<T> T callQuietly(String operation, Supplier<? extends CompletionStage<T>> command) {
		return callOrElse(operation, command, () -> null);
	}

	/**
	 * Sends an operation nobody waits for (freeing a slot, giving tokens back): the caller goes on at
	 * once, without a round trip of its own. Commands on the connection run in the order they were
	 * sent, so this instance's next operation sees it done. A failure is counted and marks Redis down
	 * like any other; while Redis is known to be down nothing is sent (a slot not freed comes back
	 * when its lease ends, tokens not given back when the bucket refills). No timer runs for it: a Redis
	 * that stops answering is found by the next operation a caller waits for.
	 */
	void send(String operation, Supplier<? extends CompletionStage<?>> command) {
		if (this.down || this.closed) {
			this.failures.incrementAndGet();
			return;
		}
		CompletionStage<?> stage;
		try {
			stage = command.get();
		}
		catch (RuntimeException ex) {
			Throwable cause = unwrap(ex);
			if (!isOutage(cause)) {
				throw ex;
			}
			this.failures.incrementAndGet();
			failed(operation, cause);
			return;
		}
		observe(operation, stage);
	}

	/**
	 * Takes the answer of an operation nobody waits for as it comes: a success marks Redis up, a failure
	 * is counted and an outage marks Redis down.
	 */
	private void observe(String operation, CompletionStage<?> stage) {
		stage.whenComplete((value, failure) -> {
			if (failure == null) {
				succeeded();
				return;
			}
			this.failures.incrementAndGet();
			Throwable cause = unwrap(failure);
			if (isOutage(cause)) {
				failed(operation, cause);
			}
			else {
				this.probing.set(false);
				logger.debug("llm-guard: {} failed", operation, cause);
			}
		});
	}

	/** Like {@link #callQuietly} with an answer for failures in either mode (reads for endpoints). */
	<T> T callOrElse(String operation, Supplier<? extends CompletionStage<T>> command, Supplier<T> orElse) {
		Result<T> result = run(operation, command);
		if (result.failure == null) {
			return result.value;
		}
		if (!(result.failure instanceof InterruptedException)) {
			this.failures.incrementAndGet();
		}
		return orElse.get();
	}

	private record Result<T>(T value, Throwable failure) {
	}

	private <T> Result<T> run(String operation, Supplier<? extends CompletionStage<T>> command) {
		if (!mayAsk()) {
			return new Result<>(null, KNOWN_DOWN);
		}
		CompletionStage<T> stage;
		try {
			stage = command.get();
		}
		catch (Throwable ex) {
			return failure(operation, ex);
		}
		return answer(operation, stage);
	}

	/** Waits for the answer of an operation sent: a success marks Redis up, an outage down. */
	private <T> Result<T> answer(String operation, CompletionStage<T> stage) {
		try {
			T value = await(stage);
			succeeded();
			return new Result<>(value, null);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			this.probing.set(false);
			return new Result<>(null, ex);
		}
		catch (Throwable ex) {
			return failure(operation, ex);
		}
	}

	/** An outage marks Redis down and is answered as the failure; anything else is a bug, rethrown. */
	private <T> Result<T> failure(String operation, Throwable ex) {
		Throwable cause = unwrap(ex);
		if (!isOutage(cause)) {
			this.probing.set(false);
			throw (cause instanceof RuntimeException runtime) ? runtime : new IllegalStateException(cause);
		}
		failed(operation, cause);
		return new Result<>(null, cause);
	}

	/**
	 * Sends an operation whose answer is awaited later by {@link #finish}, or given up on by
	 * {@link #abandon}, so that the caller can send others meanwhile; like {@link #call} nothing is
	 * sent while Redis is known to be down. When it is this caller's turn to try Redis again after an
	 * outage, the answer is awaited here: the caller's other operations then see its outcome.
	 * @param operation what it is, for logs and errors
	 * @param command starts the operation (called only when Redis is worth asking)
	 * @return the operation started
	 * @throws RuntimeException when starting it failed other than by an outage (a bug)
	 */
	<T> Started<T> start(String operation, Supplier<? extends CompletionStage<T>> command) {
		boolean probe = this.down;
		if (!mayAsk()) {
			return new Started<>(operation, null, KNOWN_DOWN);
		}
		CompletionStage<T> stage;
		try {
			stage = command.get();
		}
		catch (Throwable ex) {
			return new Started<>(operation, null, failure(operation, ex).failure);
		}
		if (probe) {
			// the one try of an outage: answered now, so the caller's next operations find Redis up again
			// instead of being answered by the failure mode while this one is in flight
			answer(operation, stage);
		}
		return new Started<>(operation, stage, null);
	}

	/**
	 * Waits for an operation {@link #start started} earlier, under the failure mode like {@link #call}
	 * (the timeout counts from now).
	 * @param failOpen the answer while Redis fails, in fail-open mode
	 * @return the operation's result or, in fail-open mode, {@code failOpen}'s
	 * @throws GuardBackendUnavailableException in fail-closed mode when Redis fails
	 * @throws GuardInterruptedException when the thread is interrupted while it waits (in either mode)
	 */
	<T> T finish(Started<T> started, Supplier<T> failOpen) {
		Result<T> result = (started.stage != null) ? answer(started.operation, started.stage)
				: new Result<>(null, started.failure);
		if (result.failure == null) {
			return result.value;
		}
		throwIfInterrupted(started.operation, result.failure);
		return degraded(started.operation, result.failure, failOpen);
	}

	/**
	 * Gives up on the answer of an operation {@link #start started} earlier: when it comes, it still
	 * marks Redis up or down (the operation may have been the probe of an outage), like {@link #send}.
	 */
	void abandon(Started<?> started) {
		if (started.stage != null) {
			observe(started.operation, started.stage);
		}
	}

	/**
	 * An operation sent and not awaited yet (see {@link #start}).
	 * @param operation what it is
	 * @param stage its answer, or {@code null} when it was not sent
	 * @param failure why it was not sent, or {@code null}
	 */
	record Started<T>(String operation, CompletionStage<T> stage, Throwable failure) {

		/** Whether the operation reached the connection (and so may be done in Redis). */
		boolean sent() {
			return this.stage != null;
		}

	}

	private static final Throwable KNOWN_DOWN = new Throwable("Redis is known to be down", null, false, false) {
	};

	<T> T degraded(String operation, Throwable failure, Supplier<T> failOpen) {
		this.failures.incrementAndGet();
		if (this.options.onFailure() == RedisFailureMode.FAIL_OPEN) {
			return failOpen.get();
		}
		throw unavailable(operation, failure);
	}

	GuardBackendUnavailableException unavailable(String operation, Throwable failure) {
		Throwable cause = (failure == KNOWN_DOWN) ? null : failure;
		String why = (cause != null) ? cause.getClass().getSimpleName() + ": " + cause.getMessage()
				: "it failed within the last " + this.options.retryInterval().toMillis() + " ms";
		return new GuardBackendUnavailableException(operation, "llm-guard rejected the call: Redis is unreachable ("
				+ why + ") and llm.guard.redis.on-failure is fail-closed; check spring.data.redis.* and Redis, "
				+ "or set llm.guard.redis.on-failure=fail-open to admit calls unchecked during outages", cause);
	}

	/** Sends an operation only when Redis is up, or when it is this caller's turn to try it again. */
	private boolean mayAsk() {
		if (!this.down) {
			return true;
		}
		return this.clock.epochNanos() - this.retryAt >= 0 && this.probing.compareAndSet(false, true);
	}

	/** Whether a shared-state read is worth sending now (prefetching stays quiet while Redis is down). */
	boolean isUp() {
		return !this.down && !this.closed;
	}

	private void succeeded() {
		if (this.probing.get()) {
			// read first: every answer comes here, and a store on every one is a line all threads write
			this.probing.set(false);
		}
		if (this.down) {
			this.down = false;
			logger.info("llm-guard: Redis is reachable again; limits and budgets are shared again");
		}
	}

	private void failed(String operation, Throwable cause) {
		this.retryAt = this.clock.epochNanos() + this.options.retryInterval().toNanos();
		this.probing.set(false);
		if (!this.down) {
			this.down = true;
			this.outages.incrementAndGet();
			String mode = this.options.onFailure().value();
			String message = "Redis failed during " + operation + " (" + cause.getClass().getSimpleName() + ": "
					+ cause.getMessage() + ")";
			logger.warn("llm-guard: {}; until it answers again calls are {} (llm.guard.redis.on-failure={})", message,
					(this.options.onFailure() == RedisFailureMode.FAIL_OPEN) ? "admitted without shared limits and budgets"
							: "rejected",
					mode);
			try {
				this.listener.onEvent(new GuardEvent.BackendFailed(this.clock.instant(), "redis", mode, message));
			}
			catch (RuntimeException ex) {
				logger.debug("llm-guard: a listener failed on backend-failure", ex);
			}
		}
		else if (logger.isDebugEnabled()) {
			logger.debug("llm-guard: Redis still failing during {}: {}", operation, cause.toString());
		}
	}

	<T> T await(CompletionStage<T> stage) throws Exception {
		CompletableFuture<T> future = stage.toCompletableFuture();
		try {
			return future.get(this.options.timeout().toNanos(), TimeUnit.NANOSECONDS);
		}
		catch (TimeoutException ex) {
			future.cancel(true);
			throw new TimeoutException("no answer from Redis within " + this.options.timeout().toMillis() + " ms");
		}
		catch (ExecutionException ex) {
			throw (ex.getCause() instanceof Exception cause) ? cause : ex;
		}
	}

	static Throwable unwrap(Throwable ex) {
		Throwable t = ex;
		while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
			t = t.getCause();
		}
		return t;
	}

	/** Failures of reaching Redis, as opposed to bugs: those are rethrown. */
	static boolean isOutage(Throwable ex) {
		return ex instanceof RedisException || ex instanceof TimeoutException
				|| ex instanceof io.github.bucket4j.TimeoutException || ex instanceof IOException
				|| ex instanceof java.util.concurrent.CancellationException || ex == KNOWN_DOWN
				|| (ex != null && ex.getClass().getName().startsWith("org.springframework.dao."))
				|| ex instanceof IllegalStateException && isOutage(ex.getCause());
	}

	/** The async commands of the guard's connection, connecting on first use. */
	RedisClusterAsyncCommands<byte[], byte[]> commands() {
		RedisClusterAsyncCommands<byte[], byte[]> current = this.commands;
		if (current != null) {
			return current;
		}
		synchronized (this.connectLock) {
			if (this.closed) {
				throw new RedisConnectionException("the llm-guard Redis backend is closed");
			}
			if (this.commands == null) {
				AbstractRedisClient redisClient;
				try {
					redisClient = this.client.get();
				}
				catch (RuntimeException ex) {
					throw new RedisConnectionException("the application's Redis client is not available", ex);
				}
				if (redisClient instanceof RedisClusterClient cluster) {
					StatefulRedisClusterConnection<byte[], byte[]> opened = cluster.connect(ByteArrayCodec.INSTANCE);
					this.connection = opened;
					this.commands = opened.async();
				}
				else if (redisClient instanceof RedisClient standalone) {
					StatefulRedisConnection<byte[], byte[]> opened = connectWithPlainQueue(standalone);
					this.connection = opened;
					this.commands = opened.async();
				}
				else {
					throw new IllegalStateException("Unsupported Lettuce client " + redisClient.getClass().getName());
				}
				// every wait for Redis is bounded here (await) or by Bucket4j's request timeout, so Lettuce's own
				// timer per command, which Spring Boot's client options turn on, is work without use on this connection
				this.connection.setTimeout(Duration.ZERO);
				this.connectedClient = redisClient;
				if (this.time instanceof RedisTimeClock fleet) {
					measure(fleet, this.commands);
				}
			}
			return this.commands;
		}
	}

	/**
	 * Connects with Lettuce's plain command queue instead of its hash-indexed one (Lettuce's default since
	 * 6.6). The hash-indexed queue makes removing one cancelled command cheap, at the price of a map entry
	 * and an identity hash per command: about 5 % of the guard's CPU per call in the Redis benchmark. The
	 * guard cancels a command only when its wait times out. Client options are read when a connection is
	 * opened, so they are changed for this one connect and put back; another connection the application
	 * opens at the same instant would get the plain queue too, which changes nothing it can see.
	 */
	private static StatefulRedisConnection<byte[], byte[]> connectWithPlainQueue(RedisClient client) {
		ClientOptions original = client.getOptions();
		if (!original.isUseHashIndexedQueue()) {
			return client.connect(ByteArrayCodec.INSTANCE);
		}
		ClientOptions plain = original.mutate().useHashIndexQueue(false).build();
		client.setOptions(plain);
		try {
			return client.connect(ByteArrayCodec.INSTANCE);
		}
		finally {
			if (client.getOptions() == plain) {
				client.setOptions(original);
			}
		}
	}

	/**
	 * Opens a pub/sub connection from the application's client (waiting for it like the first
	 * {@link #commands()}), closed with this backend.
	 * @throws RedisException when it cannot be opened or this backend is closed
	 */
	StatefulRedisPubSubConnection<byte[], byte[]> connectPubSub() {
		if (this.closed) {
			throw new RedisConnectionException("the llm-guard Redis backend is closed");
		}
		AbstractRedisClient redisClient;
		try {
			redisClient = this.client.get();
		}
		catch (RuntimeException ex) {
			throw new RedisConnectionException("the application's Redis client is not available", ex);
		}
		StatefulRedisPubSubConnection<byte[], byte[]> opened;
		if (redisClient instanceof RedisClusterClient cluster) {
			opened = cluster.connectPubSub(ByteArrayCodec.INSTANCE);
		}
		else if (redisClient instanceof RedisClient standalone) {
			opened = standalone.connectPubSub(ByteArrayCodec.INSTANCE);
		}
		else {
			throw new IllegalStateException("Unsupported Lettuce client " + redisClient.getClass().getName());
		}
		synchronized (this.connectLock) {
			if (!this.closed) {
				this.pubSub.add(opened);
				return opened;
			}
		}
		opened.close();
		throw new RedisConnectionException("the llm-guard Redis backend is closed");
	}

	/**
	 * Writes several commands to the connection at once (one write instead of one per command); a
	 * command that could not be written completes exceptionally.
	 */
	void dispatch(List<? extends RedisCommand<byte[], byte[], ?>> batch) {
		try {
			commands();
			StatefulConnection<byte[], byte[]> open = this.connection;
			if (open == null) {
				throw new RedisConnectionException("the llm-guard Redis backend is closed");
			}
			open.dispatch(batch);
		}
		catch (RuntimeException ex) {
			batch.forEach((command) -> command.completeExceptionally(ex));
		}
	}

	/** Runs a script by its digest, loading it on first use (or after Redis lost its script cache). */
	CompletionStage<List<Object>> eval(RedisScript script, byte[][] keys, byte[][] args) {
		return eval(script, ScriptOutputType.MULTI, keys, args, new CompletableFuture<>());
	}

	/**
	 * Runs a script by its digest (EVALSHA) and, when Redis does not know it (first use, restart, SCRIPT
	 * FLUSH), once more with its text; the answer completes {@code answer}, one future rather than a chain
	 * of stages, since this runs several times per call.
	 * @return {@code answer}
	 */
	<V, F extends CompletableFuture<V>> F eval(RedisScript script, ScriptOutputType type, byte[][] keys,
			byte[][] args, F answer) {
		RedisClusterAsyncCommands<byte[], byte[]> redis = commands();
		redis.<V>evalsha(script.sha1(), type, keys, args).whenComplete((value, failure) -> {
			if (failure == null) {
				answer.complete(value);
			}
			else if (unwrap(failure) instanceof RedisNoScriptException) {
				redis.<V>eval(script.text(), type, keys, args).whenComplete((retried, again) -> {
					if (again == null) {
						answer.complete(retried);
					}
					else {
						answer.completeExceptionally(again);
					}
				});
			}
			else {
				answer.completeExceptionally(failure);
			}
		});
		return answer;
	}

	/** Connects now unless Redis is known to be down; a failure counts like any operation's. */
	private void connectQuietly() {
		callQuietly("connect", () -> CompletableFuture.completedFuture(commands()));
	}

	/** Measures the clock offset once now (waiting at most the timeout), then every minute. */
	private void measure(RedisTimeClock fleet, RedisClusterAsyncCommands<byte[], byte[]> redis) {
		try {
			await(fleet.measure(redis));
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		catch (Exception ex) {
			logger.debug("llm-guard: could not read Redis's time yet; trying again within a minute", ex);
		}
		every(TIME_CHECK, () -> fleet.measure(commands()).exceptionally((ex) -> {
			logger.debug("llm-guard: could not read Redis's time; trying again within a minute", ex);
			return null;
		}));
	}

	/**
	 * Runs a task every {@code period} until this backend is closed, on the event executors of the
	 * application's Lettuce client (the guard starts no thread of its own), so the task must not block.
	 * Only once connected: a task needs Redis anyway.
	 * @return whether the task was scheduled
	 */
	boolean every(Duration period, Runnable task) {
		synchronized (this.connectLock) {
			AbstractRedisClient redisClient = this.connectedClient;
			if (this.closed || redisClient == null) {
				return false;
			}
			long millis = Math.max(1, period.toMillis());
			Runnable guarded = () -> {
				try {
					task.run();
				}
				catch (RuntimeException ex) {
					// an exception would end the schedule: the next run tries again
					logger.debug("llm-guard: a periodic Redis task failed", ex);
				}
			};
			this.periodic.add(redisClient.getResources()
				.eventExecutorGroup()
				.scheduleWithFixedDelay(guarded, millis, millis, TimeUnit.MILLISECONDS));
			return true;
		}
	}

	@Override
	public void close() {
		List<StatefulConnection<byte[], byte[]>> open = new ArrayList<>();
		synchronized (this.connectLock) {
			this.closed = true;
			this.periodic.forEach((task) -> task.cancel(false));
			this.periodic.clear();
			open.addAll(this.pubSub);
			this.pubSub.clear();
			if (this.connection != null) {
				open.add(this.connection);
			}
			this.connection = null;
			this.commands = null;
		}
		// closed outside the lock: closing waits for the connection's event loop, which may be running work
		// (Bucket4j's compare-and-swaps) that asks for the connection and so for the lock
		open.forEach(StatefulConnection::close);
	}

	/** A Lua script and its SHA-1 digest. */
	record RedisScript(String text, String sha1) {

		static RedisScript of(String text) {
			try {
				byte[] digest = java.security.MessageDigest.getInstance("SHA-1").digest(RedisKeys.bytes(text));
				return new RedisScript(text, HexFormat.of().formatHex(digest));
			}
			catch (java.security.NoSuchAlgorithmException ex) {
				throw new IllegalStateException("every Java platform has SHA-1", ex);
			}
		}

	}

}

package dev.llmguard.test.redis;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * JUnit 5 extension that runs a real {@link RedisServer} (the {@code redis-server} on the {@code PATH},
 * or else the one of {@code com.github.codemonstur:embedded-redis}) on a free port.
 * <p>
 * Registered on a static field, the server starts before all tests of the class and stops after them;
 * registered on an instance field, it runs around each test. It is stopped also when a test fails, and
 * the tests fail, never skip, when no {@code redis-server} can be started.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final RedisServerExtension redis = new RedisServerExtension();
 *
 * @Test
 * void sharesLimitsThroughRedis() {
 *     // spring.data.redis.host=redis.host(), spring.data.redis.port=redis.port()
 * }
 * }</pre>
 *
 * {@link #stop()} and {@link #start()} take the server down and bring it back, empty, on the same port
 * during a test.
 */
public final class RedisServerExtension
		implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {

	private final RedisServer server;

	private int classUsers;

	private boolean startedForTest;

	/** An extension running the {@code redis-server} on the {@code PATH}, or else the embedded-redis one. */
	public RedisServerExtension() {
		this(new RedisServer());
	}

	RedisServerExtension(RedisServer server) {
		this.server = server;
	}

	/**
	 * The server.
	 * @return the server, running while the tests run
	 */
	public RedisServer server() {
		return this.server;
	}

	/**
	 * Shortcut for {@code server().host()}.
	 * @return {@code 127.0.0.1}
	 */
	public String host() {
		return this.server.host();
	}

	/**
	 * Shortcut for {@code server().port()}.
	 * @return the server's port
	 */
	public int port() {
		return this.server.port();
	}

	/** Brings the server back, empty, on the same port, after {@link #stop()}; does nothing when it runs. */
	public void start() {
		this.server.start();
	}

	/** Takes the server down, for a test of what happens while Redis is unreachable. */
	public void stop() {
		this.server.stop();
	}

	@Override
	public synchronized void beforeAll(ExtensionContext context) {
		this.classUsers++;
		this.server.start();
	}

	@Override
	public synchronized void afterAll(ExtensionContext context) {
		this.classUsers = Math.max(0, this.classUsers - 1);
		if (this.classUsers == 0) {
			this.server.close();
		}
	}

	@Override
	public synchronized void beforeEach(ExtensionContext context) {
		if (this.classUsers == 0) {
			this.startedForTest = true;
			this.server.start();
		}
	}

	@Override
	public synchronized void afterEach(ExtensionContext context) {
		if (this.startedForTest) {
			this.startedForTest = false;
			this.server.close();
		}
	}

}

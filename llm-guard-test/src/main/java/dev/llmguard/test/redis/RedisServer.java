package dev.llmguard.test.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * A real, throw-away {@code redis-server} for tests: on a free loopback port, without persistence, in a
 * temporary directory.
 * <p>
 * The {@code redis-server} found on the {@code PATH} is started; without one, the binary that the test
 * dependency {@code com.github.codemonstur:embedded-redis} ships (Redis 6.2 for Linux and macOS, amd64
 * and arm64) is extracted and started instead, so a machine with only a JDK can run the tests:
 *
 * <pre>{@code
 * <dependency>
 *   <groupId>com.github.codemonstur</groupId>
 *   <artifactId>embedded-redis</artifactId>
 *   <version>1.4.3</version>
 *   <scope>test</scope>
 *   <exclusions>
 *     <exclusion><groupId>redis.clients</groupId><artifactId>jedis</artifactId></exclusion>
 *   </exclusions>
 * </dependency>
 * }</pre>
 *
 * {@link #stop()} takes the server down and {@link #start()} brings it back, empty, on the same port,
 * for outage tests; {@link #close()} stops it for good. In JUnit 5 tests,
 * {@link RedisServerExtension} does the starting and stopping.
 *
 * <pre>{@code
 * try (RedisServer redis = new RedisServer().start()) {
 *     // spring.data.redis.host=redis.host(), spring.data.redis.port=redis.port()
 * }
 * }</pre>
 */
public final class RedisServer implements AutoCloseable {

	private static final String HOST = "127.0.0.1";

	private static final Duration STARTUP = Duration.ofSeconds(10);

	private static final Duration SHUTDOWN = Duration.ofSeconds(10);

	// servers a test left running die with the JVM rather than outlive the build
	private static final Set<Process> running = ConcurrentHashMap.newKeySet();

	static {
		Runtime.getRuntime().addShutdownHook(new Thread(() -> running.forEach(Process::destroy), "redis-server-stop"));
	}

	private final Supplier<Path> executables;

	private Path executable;

	private Path directory;

	private int port;

	private Process process;

	/** A server that will run the {@code redis-server} on the {@code PATH}, or else the embedded-redis one. */
	public RedisServer() {
		this(RedisExecutable::find);
	}

	RedisServer(Supplier<Path> executables) {
		this.executables = executables;
	}

	/**
	 * Starts the server, on a free port the first time and on the same port after {@link #stop()}, and
	 * waits until it answers {@code PING}. Does nothing when it is running.
	 * @return this server
	 * @throws IllegalStateException when there is no {@code redis-server} to start, or it did not start
	 */
	public synchronized RedisServer start() {
		if (isRunning()) {
			return this;
		}
		if (this.executable == null) {
			this.executable = this.executables.get();
		}
		try {
			if (this.directory == null) {
				this.directory = Files.createTempDirectory("llm-guard-redis");
			}
			if (this.port != 0) {
				if (!launch(this.port)) {
					throw new IllegalStateException("redis-server could not start again on port " + this.port
							+ ": another process has taken it meanwhile");
				}
				return this;
			}
			// another process may take the free port before redis-server binds it: try another
			for (int attempt = 1;; attempt++) {
				int candidate = freePort();
				if (launch(candidate)) {
					this.port = candidate;
					return this;
				}
				if (attempt == 3) {
					throw new IllegalStateException("redis-server found no free port in 3 attempts");
				}
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not start " + this.executable, ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted while starting " + this.executable, ex);
		}
	}

	/**
	 * Stops the server, if it runs, and waits until its process has exited; its data is gone.
	 * {@link #start()} brings it back on the same port.
	 */
	public synchronized void stop() {
		if (this.process == null) {
			return;
		}
		Process stopping = this.process;
		this.process = null;
		try {
			stopping.destroy();
			if (!stopping.waitFor(SHUTDOWN.toMillis(), TimeUnit.MILLISECONDS)) {
				stopping.destroyForcibly().waitFor(SHUTDOWN.toMillis(), TimeUnit.MILLISECONDS);
			}
		}
		catch (InterruptedException ex) {
			stopping.destroyForcibly();
			Thread.currentThread().interrupt();
		}
		finally {
			running.remove(stopping);
		}
	}

	/** Stops the server and deletes its directory. */
	@Override
	public synchronized void close() {
		stop();
		if (this.directory != null) {
			try (Stream<Path> files = Files.walk(this.directory)) {
				files.sorted(Comparator.reverseOrder()).forEach((file) -> file.toFile().delete());
			}
			catch (IOException ex) {
				// a temporary directory left behind is not worth failing a test for
			}
			this.directory = null;
		}
	}

	/**
	 * Whether the server is running.
	 * @return {@code true} between {@link #start()} and {@link #stop()}
	 */
	public synchronized boolean isRunning() {
		return this.process != null && this.process.isAlive();
	}

	/**
	 * The address the server binds to.
	 * @return {@code 127.0.0.1}
	 */
	public String host() {
		return HOST;
	}

	/**
	 * The server's port, the same across {@link #stop()} and {@link #start()}.
	 * @return the port
	 * @throws IllegalStateException before the first {@link #start()}
	 */
	public synchronized int port() {
		if (this.port == 0) {
			throw new IllegalStateException("The Redis server has no port until it is started");
		}
		return this.port;
	}

	/**
	 * The {@code redis-server} binary this server runs.
	 * @return the binary on the {@code PATH}, or the one extracted from embedded-redis
	 * @throws IllegalStateException before the first {@link #start()}
	 */
	public synchronized Path executable() {
		if (this.executable == null) {
			throw new IllegalStateException("The Redis server has no binary until it is started");
		}
		return this.executable;
	}

	/** Starts redis-server on the port; {@code false} when another process had taken the port meanwhile. */
	private boolean launch(int port) throws IOException, InterruptedException {
		List<String> command = List.of(this.executable.toString(), "--port", Integer.toString(port), "--bind", HOST,
				"--save", "", "--appendonly", "no", "--dir", this.directory.toString());
		Path logFile = this.directory.resolve("redis.log");
		long logFrom = Files.exists(logFile) ? Files.size(logFile) : 0;
		Process started = spawn(new ProcessBuilder(command).redirectErrorStream(true)
			.redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile())));
		running.add(started);
		long deadline = System.nanoTime() + STARTUP.toNanos();
		while (!answersPing(port)) {
			if (!started.isAlive()) {
				running.remove(started);
				String log = log(logFrom);
				if (log.contains("Address already in use")) {
					return false;
				}
				throw new IllegalStateException(this.executable + " exited with " + started.exitValue() + ": " + log);
			}
			if (System.nanoTime() > deadline) {
				started.destroyForcibly();
				running.remove(started);
				throw new IllegalStateException(this.executable + " did not answer PING on port " + port + " within "
						+ STARTUP.toSeconds() + " s: " + log(logFrom));
			}
			Thread.sleep(20);
		}
		this.process = started;
		return true;
	}

	// a binary extracted a moment ago can still be open for writing in a child that another thread forked
	// meanwhile ("Text file busy"): that child execs at once, so trying again shortly succeeds
	private static Process spawn(ProcessBuilder builder) throws IOException, InterruptedException {
		for (int attempt = 1;; attempt++) {
			try {
				return builder.start();
			}
			catch (IOException ex) {
				if (attempt == 5 || ex.getMessage() == null || !ex.getMessage().contains("Text file busy")) {
					throw ex;
				}
				Thread.sleep(50);
			}
		}
	}

	/** What this launch of redis-server wrote, from the given offset of its log. */
	private String log(long from) {
		try {
			byte[] log = Files.readAllBytes(this.directory.resolve("redis.log"));
			int start = (int) Math.min(from, log.length);
			return new String(log, start, log.length - start, StandardCharsets.UTF_8).strip();
		}
		catch (IOException ex) {
			return "(no log: " + ex.getMessage() + ")";
		}
	}

	private static boolean answersPing(int port) {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress(HOST, port), 200);
			socket.setSoTimeout(500);
			OutputStream out = socket.getOutputStream();
			out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
			out.flush();
			InputStream in = socket.getInputStream();
			byte[] answer = in.readNBytes(7);
			return new String(answer, StandardCharsets.US_ASCII).equals("+PONG\r\n");
		}
		catch (IOException ex) {
			return false;
		}
	}

	/**
	 * A Redis program ({@code redis-server}, {@code redis-cli}, ...) on this process's {@code PATH}: the first
	 * executable regular file of that name, or {@code null}.
	 * @param program the program's file name
	 * @return its path, or {@code null}
	 */
	public static Path findOnPath(String program) {
		return RedisExecutable.onPath(program, System.getenv("PATH"));
	}

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
			return socket.getLocalPort();
		}
	}

}

package dev.llmguard.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Starts a real {@code redis-server} (Debian package {@code redis-server}) on a free port for the
 * tests of a class, without persistence, in a temporary directory; {@link #stop()} and
 * {@link #start()} take it down and bring it back on the same port during a test. Fails the tests,
 * never skips them, when {@code redis-server} is not installed. Register it as a static field with
 * {@code @RegisterExtension}.
 */
public final class RedisServerExtension implements BeforeAllCallback, AfterAllCallback {

	private static final List<Path> CANDIDATES = List.of(Path.of("/usr/bin/redis-server"),
			Path.of("/usr/local/bin/redis-server"));

	private int port;

	private Path directory;

	private Process process;

	@Override
	public void beforeAll(ExtensionContext context) throws Exception {
		this.port = freePort();
		this.directory = Files.createTempDirectory("llm-guard-redis");
		start();
	}

	@Override
	public void afterAll(ExtensionContext context) throws Exception {
		stop();
	}

	public int port() {
		return this.port;
	}

	/** Starts the server on this extension's port and waits until it answers PING. */
	public synchronized void start() throws IOException, InterruptedException {
		if (this.process != null && this.process.isAlive()) {
			return;
		}
		this.process = new ProcessBuilder(executable().toString(), "--port", Integer.toString(this.port), "--bind",
				"127.0.0.1", "--save", "", "--appendonly", "no", "--dir", this.directory.toString())
			.redirectErrorStream(true)
			.redirectOutput(this.directory.resolve("redis.log").toFile())
			.start();
		long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
		while (!answersPing()) {
			if (!this.process.isAlive()) {
				throw new IllegalStateException("redis-server exited with " + this.process.exitValue() + ": "
						+ Files.readString(this.directory.resolve("redis.log")));
			}
			if (System.nanoTime() > deadline) {
				throw new IllegalStateException("redis-server did not answer PING on port " + this.port + " within 10 s");
			}
			Thread.sleep(20);
		}
	}

	/** Stops the server (its data is gone) and waits until the process has exited. */
	public synchronized void stop() throws InterruptedException {
		if (this.process == null) {
			return;
		}
		this.process.destroy();
		if (!this.process.waitFor(10, TimeUnit.SECONDS)) {
			this.process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
		}
		this.process = null;
	}

	private static Path executable() {
		for (Path candidate : CANDIDATES) {
			if (Files.isExecutable(candidate)) {
				return candidate;
			}
		}
		throw new IllegalStateException("redis-server is not installed (looked in " + CANDIDATES + "); the Redis "
				+ "tests need a real server: apt-get install redis-server (.ci/run installs it when missing)");
	}

	private boolean answersPing() {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress("127.0.0.1", this.port), 200);
			socket.setSoTimeout(500);
			OutputStream out = socket.getOutputStream();
			out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
			out.flush();
			InputStream in = socket.getInputStream();
			byte[] answer = new byte[7];
			int read = in.readNBytes(answer, 0, 7);
			return read == 7 && new String(answer, StandardCharsets.US_ASCII).equals("+PONG\r\n");
		}
		catch (IOException ex) {
			return false;
		}
	}

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0)) {
			socket.setReuseAddress(true);
			return socket.getLocalPort();
		}
	}

}

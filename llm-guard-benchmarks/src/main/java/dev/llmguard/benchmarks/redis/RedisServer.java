package dev.llmguard.benchmarks.redis;

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

/**
 * A throw-away {@code redis-server} on a free loopback port, without persistence, for one part of the
 * suite. The process is stopped by {@link #close()}.
 */
public final class RedisServer implements AutoCloseable {

	private final Process process;

	private final int port;

	private RedisServer(Process process, int port) {
		this.process = process;
		this.port = port;
	}

	/** Whether {@code redis-server} can be started here. */
	public static boolean isInstalled() {
		return executable("redis-server") != null;
	}

	/** Starts a server and waits until it answers PING. */
	public static RedisServer start() throws IOException, InterruptedException {
		Path server = executable("redis-server");
		if (server == null) {
			throw new IllegalStateException("redis-server is not installed (apt-get install redis-server)");
		}
		int port = freePort();
		Process process = new ProcessBuilder(List.of(server.toString(), "--port", Integer.toString(port), "--bind",
				"127.0.0.1", "--save", "", "--appendonly", "no", "--loglevel", "warning"))
			.redirectErrorStream(true)
			.redirectOutput(ProcessBuilder.Redirect.DISCARD)
			.start();
		RedisServer redis = new RedisServer(process, port);
		long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
		while (!redis.answersPing()) {
			if (System.nanoTime() > deadline || !process.isAlive()) {
				redis.close();
				throw new IllegalStateException("redis-server did not start on port " + port);
			}
			Thread.sleep(50);
		}
		return redis;
	}

	public int port() {
		return this.port;
	}

	/** Runs a command through {@code redis-cli} and returns its output, trimmed. */
	public String cli(String... args) throws IOException, InterruptedException {
		Path cli = executable("redis-cli");
		if (cli == null) {
			throw new IllegalStateException("redis-cli is not installed");
		}
		List<String> command = new java.util.ArrayList<>(List.of(cli.toString(), "-h", "127.0.0.1", "-p",
				Integer.toString(this.port)));
		command.addAll(List.of(args));
		Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
		String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
		process.waitFor(30, TimeUnit.SECONDS);
		return out;
	}

	private boolean answersPing() {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress("127.0.0.1", this.port), 200);
			OutputStream out = socket.getOutputStream();
			out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
			out.flush();
			InputStream in = socket.getInputStream();
			byte[] answer = new byte[7];
			int read = in.readNBytes(answer, 0, answer.length);
			return read >= 5 && new String(answer, 0, read, StandardCharsets.US_ASCII).startsWith("+PONG");
		}
		catch (IOException ex) {
			return false;
		}
	}

	@Override
	public void close() throws InterruptedException {
		this.process.destroy();
		if (!this.process.waitFor(5, TimeUnit.SECONDS)) {
			this.process.destroyForcibly();
		}
	}

	static Path executable(String name) {
		for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
			Path candidate = Path.of(dir, name);
			if (Files.isExecutable(candidate)) {
				return candidate;
			}
		}
		Path usrBin = Path.of("/usr/bin", name);
		return Files.isExecutable(usrBin) ? usrBin : null;
	}

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
	}

}

package dev.llmguard.redis;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.SlotHash;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Assumptions;

import dev.llmguard.test.redis.RedisServer;

/**
 * A local Redis Cluster of three masters without replicas: {@code redis-server} in cluster mode on
 * free ports (each with its cluster bus port, port + 10000, free too), joined by
 * {@code redis-cli --cluster create}. Both come from the {@code PATH}; without them the test is skipped
 * with a notice, as the benchmarks' Redis part is.
 */
final class LocalRedisCluster implements AutoCloseable {

	private static final String HOST = "127.0.0.1";

	private static final Duration STARTUP = Duration.ofSeconds(20);

	private final List<Process> servers = new ArrayList<>();

	private final List<Integer> ports = new ArrayList<>();

	private final Path directory;

	private LocalRedisCluster(Path directory) {
		this.directory = directory;
	}

	/** Starts the three masters and creates the cluster, or skips the calling test when a tool is missing. */
	static LocalRedisCluster start() throws Exception {
		Path server = RedisServer.findOnPath("redis-server");
		Path cli = RedisServer.findOnPath("redis-cli");
		if (server == null || cli == null) {
			String missing = "Redis Cluster tests need redis-server and redis-cli on the PATH "
					+ "(Debian/Ubuntu: apt-get install redis-server redis-tools; macOS: brew install redis)";
			// a skip in @BeforeAll counts no test and its reason reaches only the reports; Surefire shows a
			// forked JVM's native stderr on the console
			new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8)
				.println("[NOTICE] Redis Cluster tests skipped: " + missing + ".");
			Assumptions.abort("Skipped: " + missing);
		}
		LocalRedisCluster cluster = new LocalRedisCluster(Files.createTempDirectory("llm-guard-redis-cluster"));
		try {
			for (int i = 0; i < 3; i++) {
				cluster.launch(server, i);
			}
			List<String> create = new ArrayList<>(List.of(cli.toString(), "--cluster", "create"));
			cluster.ports.forEach((port) -> create.add(HOST + ":" + port));
			create.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
			Process creating = new ProcessBuilder(create).redirectErrorStream(true).start();
			String output = new String(creating.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
			if (!creating.waitFor(STARTUP.toSeconds(), TimeUnit.SECONDS) || creating.exitValue() != 0) {
				throw new IllegalStateException("redis-cli --cluster create failed: " + output);
			}
			cluster.awaitReady();
			return cluster;
		}
		catch (Exception | Error ex) {
			cluster.close();
			throw ex;
		}
	}

	/** The nodes as {@code spring.data.redis.cluster.nodes} takes them. */
	String nodes() {
		return this.ports.stream().map((port) -> HOST + ":" + port).collect(Collectors.joining(","));
	}

	/** The port of the master that serves a key's slot. */
	int portOf(String key) {
		int slot = SlotHash.getSlot(key);
		for (int port : this.ports) {
			try (Node node = new Node(port)) {
				for (Object range : node.redis().clusterSlots()) {
					List<?> entry = (List<?>) range;
					if (((Number) entry.get(0)).intValue() <= slot && slot <= ((Number) entry.get(1)).intValue()) {
						return ((Number) ((List<?>) entry.get(2)).get(1)).intValue();
					}
				}
			}
		}
		throw new IllegalStateException("no node serves slot " + slot);
	}

	/** Keys matching a pattern, on every master. */
	List<String> keys(String pattern) {
		List<String> keys = new ArrayList<>();
		for (int port : this.ports) {
			try (Node node = new Node(port)) {
				keys.addAll(node.redis().keys(pattern));
			}
		}
		return keys;
	}

	/** A connection to one master. */
	static final class Node implements AutoCloseable {

		private final RedisClient client;

		private final StatefulRedisConnection<String, String> connection;

		Node(int port) {
			this.client = RedisClient.create(RedisURI.create(HOST, port));
			this.connection = this.client.connect();
		}

		io.lettuce.core.api.sync.RedisCommands<String, String> redis() {
			return this.connection.sync();
		}

		@Override
		public void close() {
			this.connection.close();
			this.client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
		}

	}

	private void launch(Path server, int index) throws Exception {
		for (int attempt = 1;; attempt++) {
			int port = freePortWithBus();
			Path dir = Files.createDirectories(this.directory.resolve("node-" + index));
			Process process = new ProcessBuilder(server.toString(), "--port", Integer.toString(port), "--bind", HOST,
					"--cluster-enabled", "yes", "--cluster-config-file", dir.resolve("nodes.conf").toString(),
					"--save", "", "--appendonly", "no", "--dir", dir.toString())
				.redirectErrorStream(true)
				.redirectOutput(dir.resolve("redis.log").toFile())
				.start();
			if (awaitPing(process, port)) {
				this.servers.add(process);
				this.ports.add(port);
				return;
			}
			process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
			if (attempt == 3) {
				throw new IllegalStateException("redis-server in cluster mode did not start: "
						+ Files.readString(dir.resolve("redis.log")));
			}
		}
	}

	private static boolean awaitPing(Process process, int port) {
		try {
			Awaitility.await()
				.atMost(STARTUP)
				.pollInterval(Duration.ofMillis(50))
				.until(() -> !process.isAlive() || answersPing(port));
		}
		catch (ConditionTimeoutException ex) {
			return false;
		}
		return process.isAlive();
	}

	private static boolean answersPing(int port) {
		try (Node node = new Node(port)) {
			return "PONG".equals(node.redis().ping());
		}
		catch (RuntimeException ex) {
			return false; // not up yet
		}
	}

	/** Waits until every master sees the cluster as ok (the slots' owners spread by gossip). */
	private void awaitReady() {
		try {
			Awaitility.await().atMost(STARTUP).pollInterval(Duration.ofMillis(50)).until(() -> {
				for (int port : this.ports) {
					try (Node node = new Node(port)) {
						if (!node.redis().clusterInfo().contains("cluster_state:ok")
								|| node.redis().clusterSlots().size() < 3) {
							return false;
						}
					}
				}
				return true;
			});
		}
		catch (ConditionTimeoutException ex) {
			throw new IllegalStateException(
					"the local Redis Cluster did not become ready within " + STARTUP.toSeconds() + " s", ex);
		}
	}

	private static int freePortWithBus() throws IOException {
		for (int attempt = 0; attempt < 50; attempt++) {
			int port;
			try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
				port = socket.getLocalPort();
			}
			if (port + 10000 > 65535) {
				continue;
			}
			try (ServerSocket bus = new ServerSocket(port + 10000, 1, InetAddress.getByName(HOST))) {
				return port;
			}
			catch (IOException ex) {
				// the bus port is taken: another one
			}
		}
		throw new IllegalStateException("found no free port whose cluster bus port (port + 10000) is free too");
	}

	@Override
	public void close() {
		for (Process server : this.servers) {
			server.destroy();
			try {
				if (!server.waitFor(10, TimeUnit.SECONDS)) {
					server.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
				}
			}
			catch (InterruptedException ex) {
				server.destroyForcibly();
				Thread.currentThread().interrupt();
			}
		}
		this.servers.clear();
		try (Stream<Path> files = Files.walk(this.directory)) {
			files.sorted(Comparator.reverseOrder()).forEach((file) -> file.toFile().delete());
		}
		catch (IOException ex) {
			// a temporary directory left behind is not worth failing a test for
		}
	}

}

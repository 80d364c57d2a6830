package dev.llmguard.benchmarks.redis;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.llmguard.test.redis.RedisServer;

/**
 * {@code redis-cli} and {@code redis-benchmark}, which the Redis part runs beside the server; no Maven
 * artifact ships them, so they come from the {@code PATH} (Debian package {@code redis-tools}).
 */
final class RedisTools {

	private static final List<String> NEEDED = List.of("redis-cli", "redis-benchmark");

	private RedisTools() {
	}

	/** What is missing for the Redis part, with what to install, or {@code null} when nothing is. */
	static String missing() {
		List<String> missing = NEEDED.stream().filter((name) -> onPath(name) == null).toList();
		if (missing.isEmpty()) {
			return null;
		}
		return String.join(" and ", missing) + " not on the PATH (Debian/Ubuntu: apt-get install redis-tools; "
				+ "macOS: brew install redis)";
	}

	/** Runs a command through {@code redis-cli} and returns its output, trimmed. */
	static String cli(RedisServer redis, String... args) throws IOException, InterruptedException {
		List<String> command = new ArrayList<>(List.of(require("redis-cli").toString(), "-h", redis.host(), "-p",
				Integer.toString(redis.port())));
		command.addAll(List.of(args));
		Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
		String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
		process.waitFor(30, TimeUnit.SECONDS);
		return out;
	}

	static Path require(String name) {
		Path tool = onPath(name);
		if (tool == null) {
			throw new IllegalStateException(missing());
		}
		return tool;
	}

	private static Path onPath(String name) {
		for (String directory : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
			if (directory.isBlank()) {
				continue;
			}
			Path candidate = Path.of(directory, name);
			if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
				return candidate;
			}
		}
		return null;
	}

}

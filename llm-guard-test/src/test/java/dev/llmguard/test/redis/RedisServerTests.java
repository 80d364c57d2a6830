package dev.llmguard.test.redis;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

class RedisServerTests {

	@TempDir
	Path dir;

	@Test
	void runsTheMavenArtifactsRedisServerEvenWhereOneIsOnThePath() {
		try (RedisServer redis = new RedisServer(RedisExecutable::fromArtifact).start()) {
			assertThat(redis.executable().getFileName().toString()).startsWith("llm-guard-redis-server-6.2");
			assertThat(redis.host()).isEqualTo("127.0.0.1");
			assertThat(RedisClient.command(redis.port(), "INFO", "server")).contains("redis_version:6.2.");
			assertThat(RedisClient.command(redis.port(), "SET", "answer", "42")).isEqualTo("+OK");
			assertThat(RedisClient.command(redis.port(), "EVAL", "return redis.call('get', KEYS[1])", "1", "answer"))
				.isEqualTo("42");
		}
	}

	@Test
	void runsTheRedisServerFoundOnThePath() throws Exception {
		Path bin = Files.createDirectories(this.dir.resolve("bin"));
		Path onPath = Files.createSymbolicLink(bin.resolve("redis-server"), RedisExecutable.fromArtifact());
		String path = this.dir.resolve("empty") + java.io.File.pathSeparator + bin;

		try (RedisServer redis = new RedisServer(() -> RedisExecutable.find(path)).start()) {
			assertThat(redis.executable()).isEqualTo(onPath);
			assertThat(redis.isRunning()).isTrue();
			assertThat(RedisClient.command(redis.port(), "PING")).isEqualTo("+PONG");
		}
	}

	@Test
	void stopTakesTheServerDownAndStartBringsItBackEmptyOnTheSamePort() {
		try (RedisServer redis = new RedisServer().start()) {
			int port = redis.port();
			RedisClient.command(port, "SET", "answer", "42");

			redis.stop();
			assertThat(redis.isRunning()).isFalse();
			assertThat(RedisClient.accepts(port)).isFalse();
			redis.stop();

			redis.start();
			assertThat(redis.port()).isEqualTo(port);
			assertThat(RedisClient.command(port, "GET", "answer")).isNull();
		}
	}

	@Test
	void closeStopsTheServerForGood() {
		RedisServer redis = new RedisServer().start();
		int port = redis.port();

		redis.close();

		assertThat(redis.isRunning()).isFalse();
		assertThat(RedisClient.accepts(port)).isFalse();
		redis.close();
	}

	@Test
	void aServerThatExitsAtOnceFailsTheStartWithWhatItPrinted() throws Exception {
		Path broken = Files.writeString(this.dir.resolve("redis-server"),
				"#!/bin/sh\necho 'FATAL CONFIG FILE ERROR'\nexit 1\n");
		Files.setPosixFilePermissions(broken, PosixFilePermissions.fromString("rwx------"));
		RedisServer redis = new RedisServer(() -> broken);

		assertThatIllegalStateException().isThrownBy(redis::start)
			.withMessageContaining(broken.toString())
			.withMessageContaining("exited with 1")
			.withMessageContaining("FATAL CONFIG FILE ERROR");
		assertThat(redis.isRunning()).isFalse();
		redis.close();
	}

	@Test
	void thePortAndBinaryAreKnownOnlyOnceStarted() {
		RedisServer redis = new RedisServer();

		assertThatIllegalStateException().isThrownBy(redis::port).withMessageContaining("until it is started");
		assertThatIllegalStateException().isThrownBy(redis::executable).withMessageContaining("until it is started");
	}

}

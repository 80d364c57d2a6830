package dev.llmguard.test.redis;

import java.io.File;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

class RedisExecutableTests {

	@TempDir
	Path dir;

	@Test
	void findsTheFirstExecutableRedisServerInTheDirectoriesOfThePath() throws Exception {
		Path empty = Files.createDirectories(this.dir.resolve("empty"));
		Path notExecutable = file(this.dir.resolve("plain"), "rw-------");
		Path first = file(this.dir.resolve("first"), "rwx------");
		Path second = file(this.dir.resolve("second"), "rwx------");

		String path = String.join(File.pathSeparator, empty.toString(), "", this.dir.resolve("missing").toString(),
				notExecutable.getParent().toString(), first.getParent().toString(), second.getParent().toString());

		assertThat(RedisExecutable.onPath(path)).isEqualTo(first);
		assertThat(RedisExecutable.find(path)).isEqualTo(first);
	}

	@Test
	void withoutRedisServerOnThePathTheArtifactsBinaryIsExtractedAndExecutable() throws Exception {
		Path empty = Files.createDirectories(this.dir.resolve("empty"));

		assertThat(RedisExecutable.onPath(empty.toString())).isNull();
		assertThat(RedisExecutable.onPath(null)).isNull();
		Path binary = RedisExecutable.find(empty.toString());

		assertThat(binary.getFileName().toString()).startsWith("llm-guard-redis-server-6.2");
		assertThat(binary).isExecutable();
		assertThat(Files.size(binary)).isGreaterThan(1_000_000);
		// extracted once per JVM
		assertThat(RedisExecutable.fromArtifact()).isEqualTo(binary);
	}

	@Test
	void withNeitherTheErrorNamesBothWaysToProvideRedisServer() throws Exception {
		try (URLClassLoader withoutArtifact = new URLClassLoader(new URL[0], null)) {
			assertThatIllegalStateException().isThrownBy(() -> RedisExecutable.fromArtifact(withoutArtifact))
				.withMessageContaining("No redis-server to start: there is none on the PATH")
				.withMessageContaining("apt-get install redis-server")
				.withMessageContaining("com.github.codemonstur:embedded-redis:1.4.3")
				.withMessageContaining("redis.clients:jedis");
		}
	}

	@Test
	void picksTheArtifactsBinaryForEachPlatformItShips() {
		assertThat(RedisExecutable.resource("Linux", "amd64")).isEqualTo("redis-server-6.2.6-v5-linux-amd64");
		assertThat(RedisExecutable.resource("Linux", "x86_64")).isEqualTo("redis-server-6.2.6-v5-linux-amd64");
		assertThat(RedisExecutable.resource("Linux", "aarch64")).isEqualTo("redis-server-6.2.7-linux-arm64");
		assertThat(RedisExecutable.resource("Mac OS X", "x86_64")).isEqualTo("redis-server-6.2.6-v5-darwin-amd64");
		assertThat(RedisExecutable.resource("Mac OS X", "aarch64")).isEqualTo("redis-server-6.2.6-v5-darwin-arm64");
		assertThat(RedisExecutable.resource("Windows 11", "amd64")).isNull();
		assertThat(RedisExecutable.resource("Linux", "riscv64")).isNull();
	}

	private static Path file(Path directory, String permissions) throws Exception {
		Files.createDirectories(directory);
		Path file = Files.writeString(directory.resolve("redis-server"), "#!/bin/sh\n");
		Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(permissions));
		return file;
	}

}

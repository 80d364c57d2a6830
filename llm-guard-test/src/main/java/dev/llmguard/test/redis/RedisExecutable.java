package dev.llmguard.test.redis;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Finds the {@code redis-server} to start: the first one on the {@code PATH}, otherwise the binary that
 * the Maven artifact {@value #ARTIFACT} ships, extracted once per JVM to an executable temporary file.
 */
final class RedisExecutable {

	static final String ARTIFACT = "com.github.codemonstur:embedded-redis";

	static final String TESTED_VERSION = "1.4.3";

	// present exactly when the artifact's jar is on the class path
	private static final String ARTIFACT_MARKER = "META-INF/maven/com.github.codemonstur/embedded-redis/pom.properties";

	// system/architecture -> the artifact's resource (it also has a Redis 5 for Windows, left out: untried)
	private static final Map<String, String> BINARIES = Map.of("linux/amd64", "redis-server-6.2.6-v5-linux-amd64",
			"linux/arm64", "redis-server-6.2.7-linux-arm64", "linux/386", "redis-server-6.2.7-linux-386",
			"darwin/amd64", "redis-server-6.2.6-v5-darwin-amd64", "darwin/arm64", "redis-server-6.2.6-v5-darwin-arm64");

	private static final Map<String, Path> extracted = new ConcurrentHashMap<>();

	private RedisExecutable() {
	}

	/**
	 * The {@code redis-server} on this process's {@code PATH}, or else the artifact's.
	 * @throws IllegalStateException naming both ways to provide one, when neither is there
	 */
	static Path find() {
		return find(System.getenv("PATH"));
	}

	static Path find(String pathVariable) {
		Path onPath = onPath(pathVariable);
		return (onPath != null) ? onPath : fromArtifact();
	}

	/** The first executable {@code redis-server} in the directories of this {@code PATH} value, or {@code null}. */
	static Path onPath(String pathVariable) {
		return onPath("redis-server", pathVariable);
	}

	/** The first executable file of this name in the directories of this {@code PATH} value, or {@code null}. */
	static Path onPath(String program, String pathVariable) {
		if (pathVariable == null) {
			return null;
		}
		for (String directory : pathVariable.split(File.pathSeparator)) {
			if (directory.isBlank()) {
				continue;
			}
			Path candidate = Path.of(directory, program);
			if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
				return candidate;
			}
		}
		return null;
	}

	/**
	 * The artifact's {@code redis-server} for this platform, extracted to an executable temporary file.
	 * @throws IllegalStateException when the artifact is not on the class path or has no binary for this platform
	 */
	static Path fromArtifact() {
		return fromArtifact(RedisExecutable.class.getClassLoader());
	}

	static Path fromArtifact(ClassLoader loader) {
		String resource = resource(System.getProperty("os.name"), System.getProperty("os.arch"));
		if (loader.getResource(ARTIFACT_MARKER) == null) {
			throw new IllegalStateException("No redis-server to start: there is none on the PATH ("
					+ System.getenv("PATH") + ") and " + ARTIFACT + " is not on the class path. Either install "
					+ "Redis so that redis-server is on the PATH (Debian/Ubuntu: apt-get install redis-server; "
					+ "macOS: brew install redis), or add the test dependency " + ARTIFACT + ":" + TESTED_VERSION
					+ " (excluding its redis.clients:jedis), whose redis-server binary is then started");
		}
		if (resource == null || loader.getResource(resource) == null) {
			throw new IllegalStateException(ARTIFACT + " ships no redis-server for " + System.getProperty("os.name")
					+ " on " + System.getProperty("os.arch") + " (it has " + BINARIES.keySet()
					+ "): install Redis so that redis-server is on the PATH");
		}
		return extracted.computeIfAbsent(resource, (name) -> extract(loader, name));
	}

	/** The artifact's resource for this platform, or {@code null} when it ships none. */
	static String resource(String osName, String osArch) {
		String os = osName.toLowerCase(Locale.ROOT);
		String system = os.startsWith("linux") ? "linux"
				: (os.startsWith("mac") || os.startsWith("darwin")) ? "darwin" : os;
		String arch = switch (osArch.toLowerCase(Locale.ROOT)) {
			case "amd64", "x86_64" -> "amd64";
			case "aarch64", "arm64" -> "arm64";
			case "x86", "i386", "i486", "i586", "i686" -> "386";
			default -> osArch;
		};
		return BINARIES.get(system + "/" + arch);
	}

	private static Path extract(ClassLoader loader, String resource) {
		try (InputStream in = loader.getResourceAsStream(resource)) {
			Path file = Files.createTempFile("llm-guard-" + resource + "-", "");
			file.toFile().deleteOnExit();
			Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
			if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
				Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwx------"));
			}
			return file;
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not extract " + resource + " of " + ARTIFACT + " to a temporary file",
					ex);
		}
	}

}

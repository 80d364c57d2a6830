package dev.llmguard.sample;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.TestAbortedException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class ChromiumTests {

	@TempDir
	Path dir;

	private final ByteArrayOutputStream printed = new ByteArrayOutputStream();

	private final PrintStream console = new PrintStream(this.printed, true, StandardCharsets.UTF_8);

	@Test
	void findsTheBrowserUnderAnyOfItsNamesOnThePath() throws Exception {
		Path empty = Files.createDirectories(this.dir.resolve("empty"));
		executable(this.dir.resolve("plain"), "google-chrome", "rw-------");
		Path browser = executable(this.dir.resolve("bin"), "chromium-browser", "rwx------");
		String path = String.join(File.pathSeparator, empty.toString(), this.dir.resolve("plain").toString(),
				browser.getParent().toString());

		assertThat(Chromium.find(path, List.of())).isEqualTo(browser);
		assertThat(Chromium.require(null, Map.of("PATH", path, "CI", "true"), List.of(), this.console))
			.isEqualTo(browser);
	}

	@Test
	void withoutABrowserTheTestIsSkippedNamingWhatToInstall() {
		String path = this.dir.toString();

		assertThatExceptionOfType(TestAbortedException.class)
			.isThrownBy(() -> Chromium.require(null, Map.of("PATH", path), List.of(), this.console))
			.withMessageContaining("apt-get install chromium")
			.withMessageContaining("chromium-browser");
		assertThat(this.printed.toString(StandardCharsets.UTF_8)).startsWith("[NOTICE] Browser test skipped.")
			.contains("apt-get install chromium");
	}

	@Test
	void withoutABrowserOnCiTheTestFails() {
		String path = this.dir.toString();

		assertThatExceptionOfType(AssertionError.class)
			.isThrownBy(() -> Chromium.require(null, Map.of("PATH", path, "CI", "true"), List.of(), this.console))
			.withMessageContaining("apt-get install chromium")
			.withMessageContaining("CI=true");
		assertThat(this.printed.toString(StandardCharsets.UTF_8)).isEmpty();
	}

	@Test
	void aBrowserNamedBySystemPropertyMustExist() {
		String missing = this.dir.resolve("no-such-chrome").toString();

		assertThatExceptionOfType(AssertionError.class)
			.isThrownBy(() -> Chromium.require(missing, Map.of("PATH", this.dir.toString()), List.of(),
					this.console))
			.withMessageContaining("-Dchromium=" + missing + " is not an executable file");
	}

	private static Path executable(Path directory, String name, String permissions) throws Exception {
		Files.createDirectories(directory);
		Path file = Files.writeString(directory.resolve(name), "#!/bin/sh\n");
		Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(permissions));
		return file;
	}

}

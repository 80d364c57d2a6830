package dev.llmguard.sample;

import java.io.File;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;

/**
 * The headless Chromium that browser tests drive: {@code -Dchromium=FILE} when given, else the first
 * of {@link #NAMES} on the {@code PATH}, else a macOS application. Without one a browser test is skipped,
 * naming what to install, except on CI ({@code CI=true}), where it fails, so CI never passes without
 * having run it.
 */
final class Chromium {

	static final List<String> NAMES = List.of("chromium", "chromium-browser", "google-chrome", "google-chrome-stable",
			"chrome");

	private static final List<Path> APPLICATIONS = List.of(Path.of("/Applications/Chromium.app/Contents/MacOS/Chromium"),
			Path.of("/Applications/Google Chrome.app/Contents/MacOS/Google Chrome"));

	private Chromium() {
	}

	/** The browser to run, or aborts (skips) the calling test, or fails it on CI. */
	static Path require() {
		// the reason of a skipped test reaches only the test reports: the notice goes to the build's console
		// too, which Surefire shows for a forked JVM's native stderr (its System.err goes to a report file)
		PrintStream console = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
		return require(System.getProperty("chromium"), System.getenv(), APPLICATIONS, console);
	}

	static Path require(String property, Map<String, String> environment, List<Path> applications,
			PrintStream console) {
		if (property != null) {
			Path chosen = Path.of(property);
			if (!isExecutable(chosen)) {
				throw new AssertionError("-Dchromium=" + property + " is not an executable file: point it at a "
						+ "Chromium or Chrome binary, or leave it out to look on the PATH");
			}
			return chosen;
		}
		Path found = find(environment.get("PATH"), applications);
		if (found != null) {
			return found;
		}
		String missing = "No Chromium for the browser test: none of " + NAMES + " is on the PATH. Install one "
				+ "(Debian/Ubuntu: apt-get install chromium; macOS: brew install --cask chromium) or set "
				+ "-Dchromium=/path/to/chrome";
		if ("true".equals(environment.get("CI"))) {
			throw new AssertionError(missing + ". CI=true: browser tests must run on CI, so this fails");
		}
		console.println("[NOTICE] Browser test skipped. " + missing + ".");
		Assumptions.abort(missing + ". Skipped (outside CI)");
		return null;
	}

	/** The first of {@link #NAMES} in the directories of this {@code PATH} value, else the first application. */
	static Path find(String pathVariable, List<Path> applications) {
		List<Path> candidates = new ArrayList<>();
		if (pathVariable != null) {
			for (String directory : pathVariable.split(File.pathSeparator)) {
				if (!directory.isBlank()) {
					NAMES.forEach((name) -> candidates.add(Path.of(directory, name)));
				}
			}
		}
		candidates.addAll(applications);
		return candidates.stream().filter(Chromium::isExecutable).findFirst().orElse(null);
	}

	private static boolean isExecutable(Path file) {
		return Files.isRegularFile(file) && Files.isExecutable(file);
	}

	/**
	 * Runs the browser headless on a fresh profile with the given arguments (a URL last) and returns what it
	 * printed, e.g. the DOM of {@code --dump-dom} after the page's scripts ran for five seconds of virtual time.
	 */
	static String run(Path chromium, String... arguments) throws IOException, InterruptedException {
		Path profile = Files.createTempDirectory("chromium-profile");
		List<String> command = new ArrayList<>(List.of(chromium.toString(), "--headless", "--no-sandbox",
				"--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
				"--disable-component-update", "--disable-sync", "--user-data-dir=" + profile,
				"--virtual-time-budget=5000"));
		command.addAll(List.of(arguments));
		Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
		byte[] out = process.getInputStream().readAllBytes();
		if (!process.waitFor(90, TimeUnit.SECONDS)) {
			process.destroyForcibly();
			throw new AssertionError("Chromium did not finish within 90 s");
		}
		return new String(out, StandardCharsets.UTF_8);
	}

}

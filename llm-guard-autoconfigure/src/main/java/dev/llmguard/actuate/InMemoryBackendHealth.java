package dev.llmguard.actuate;

import java.util.Map;

/** The in-process backend lives in the application itself: it is up whenever the application is. */
final class InMemoryBackendHealth implements BackendHealth {

	static final InMemoryBackendHealth INSTANCE = new InMemoryBackendHealth();

	private InMemoryBackendHealth() {
	}

	@Override
	public String backend() {
		return "memory";
	}

	@Override
	public Map<String, Object> check() {
		return Map.of();
	}

}

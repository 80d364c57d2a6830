package dev.llmguard.test.simulator;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A plain JDK HTTP client for the simulator's endpoints, plus jtokkit helpers that compute the
 * expected numbers independently.
 */
final class SimulatorHttp {

	static final JsonMapper JSON = JsonMapper.builder().build();

	static final EncodingRegistry ENCODINGS = Encodings.newLazyEncodingRegistry();

	static final Encoding O200K = ENCODINGS.getEncoding(EncodingType.O200K_BASE);

	static final Encoding CL100K = ENCODINGS.getEncoding(EncodingType.CL100K_BASE);

	private static final HttpClient CLIENT = HttpClient.newBuilder()
		.version(HttpClient.Version.HTTP_1_1)
		.connectTimeout(Duration.ofSeconds(10))
		.build();

	private final String baseUrl;

	SimulatorHttp(ProviderSimulator simulator) {
		this.baseUrl = simulator.baseUrl();
	}

	HttpResponse<String> post(String path, String body) {
		return send(HttpRequest.newBuilder(URI.create(this.baseUrl + path))
			.header("Content-Type", "application/json")
			.header("Authorization", "Bearer test")
			.POST(HttpRequest.BodyPublishers.ofString(body))
			.build());
	}

	HttpResponse<String> get(String path) {
		return send(HttpRequest.newBuilder(URI.create(this.baseUrl + path)).GET().build());
	}

	HttpResponse<String> chat(String model, String userMessage) {
		return post("/v1/chat/completions", """
				{"model": "%s", "messages": [{"role": "user", "content": %s}]}""".formatted(model, quote(userMessage)));
	}

	private static HttpResponse<String> send(HttpRequest request) {
		try {
			return CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	static String quote(String text) {
		return JSON.writeValueAsString(text);
	}

	static JsonNode json(HttpResponse<String> response) {
		return JSON.readTree(response.body());
	}

	/** The {@code data:} payloads of a server-sent event stream, in order. */
	static List<String> dataLines(String body) {
		List<String> data = new ArrayList<>();
		for (String line : body.split("\n")) {
			if (line.startsWith("data: ")) {
				data.add(line.substring("data: ".length()));
			}
		}
		return data;
	}

	/** The {@code event:} names of a server-sent event stream, in order. */
	static List<String> eventNames(String body) {
		List<String> names = new ArrayList<>();
		for (String line : body.split("\n")) {
			if (line.startsWith("event: ")) {
				names.add(line.substring("event: ".length()));
			}
		}
		return names;
	}

	/** OpenAI's way of counting a chat prompt: 3 per message + role + content, and 3 to prime the reply. */
	static int promptTokens(Encoding encoding, String... roleAndContent) {
		int tokens = 3;
		for (int i = 0; i < roleAndContent.length; i += 2) {
			tokens += 3 + encoding.countTokensOrdinary(roleAndContent[i])
					+ encoding.countTokensOrdinary(roleAndContent[i + 1]);
		}
		return tokens;
	}

}

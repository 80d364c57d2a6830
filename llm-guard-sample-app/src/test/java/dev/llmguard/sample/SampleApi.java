package dev.llmguard.sample;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;

import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.client.RestClient;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Calls the running sample over HTTP, the way a client would, and never throws on an error status. */
final class SampleApi {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private final RestClient client;

	SampleApi(int port) {
		this.client = RestClient.builder()
			.baseUrl("http://localhost:" + port)
			.defaultStatusHandler((status) -> true, (request, response) -> {
			})
			.build();
	}

	/** A free port for the provider simulator of one test context. */
	static int freePort() {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	Response post(String path, String json) {
		return post(path, json, MediaType.APPLICATION_JSON);
	}

	Response post(String path, String body, MediaType contentType) {
		RestClient.RequestBodySpec request = this.client.post().uri(path).contentType(contentType);
		if (body != null) {
			request.body(body);
		}
		ResponseEntity<String> entity = request.retrieve().toEntity(String.class);
		return new Response(entity.getStatusCode().value(), entity.getHeaders(), entity.getBody());
	}

	static String json(Object value) {
		return JSON.writeValueAsString(value);
	}

	/** One HTTP answer. */
	record Response(int status, HttpHeaders headers, String body) {

		JsonNode json() {
			return JSON.readTree(this.body);
		}

		String header(String name) {
			return this.headers.getFirst(name);
		}

		MediaType contentType() {
			return this.headers.getContentType();
		}

	}

}

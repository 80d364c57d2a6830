package dev.llmguard.http;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.client.ClientHttpResponse;

/** A response whose body was read into memory (to find its usage) and can still be read by the client. */
final class BufferedClientHttpResponse implements ClientHttpResponse {

	private final HttpStatusCode status;

	private final String statusText;

	private final HttpHeaders headers;

	private final byte[] body;

	private BufferedClientHttpResponse(HttpStatusCode status, String statusText, HttpHeaders headers, byte[] body) {
		this.status = status;
		this.statusText = statusText;
		this.headers = headers;
		this.body = body;
	}

	/** Reads the whole response and closes it. */
	static BufferedClientHttpResponse read(ClientHttpResponse response) throws IOException {
		try (response) {
			HttpStatusCode status = response.getStatusCode();
			String statusText = response.getStatusText();
			HttpHeaders headers = HttpHeaders.copyOf(response.getHeaders());
			byte[] body;
			try (InputStream in = response.getBody()) {
				body = in.readAllBytes();
			}
			return new BufferedClientHttpResponse(status, statusText, headers, body);
		}
	}

	byte[] bodyBytes() {
		return this.body;
	}

	@Override
	public HttpStatusCode getStatusCode() {
		return this.status;
	}

	@Override
	public String getStatusText() {
		return this.statusText;
	}

	@Override
	public HttpHeaders getHeaders() {
		return this.headers;
	}

	@Override
	public InputStream getBody() {
		return new ByteArrayInputStream(this.body);
	}

	@Override
	public void close() {
		// already read and closed
	}

}

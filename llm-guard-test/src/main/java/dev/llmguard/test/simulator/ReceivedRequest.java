package dev.llmguard.test.simulator;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * A request as the simulator received it, kept by {@link ProviderSimulator#receivedRequests()} so a
 * test can check what a client really sent (its body after every interceptor, for example).
 *
 * @param method the HTTP method
 * @param path the path, without the query
 * @param query the raw query, {@code null} when there is none
 * @param contentType the {@code Content-Type} header, {@code null} when absent
 * @param body the body bytes, empty when there is none
 */
public record ReceivedRequest(String method, String path, String query, String contentType, byte[] body) {

	public ReceivedRequest {
		body = (body != null) ? body.clone() : new byte[0];
	}

	/**
	 * The body bytes.
	 * @return a copy of the body
	 */
	@Override
	public byte[] body() {
		return this.body.clone();
	}

	/**
	 * The body read as UTF-8.
	 * @return the body text
	 */
	public String bodyText() {
		return new String(this.body, StandardCharsets.UTF_8);
	}

	@Override
	public boolean equals(Object other) {
		return other instanceof ReceivedRequest that && this.method.equals(that.method) && this.path.equals(that.path)
				&& Objects.equals(this.query, that.query)
				&& Objects.equals(this.contentType, that.contentType) && Arrays.equals(this.body, that.body);
	}

	@Override
	public int hashCode() {
		return Objects.hash(this.method, this.path, this.query, this.contentType, Arrays.hashCode(this.body));
	}

	@Override
	public String toString() {
		// never the body: it holds prompts
		return "ReceivedRequest[" + this.method + " " + this.path + ((this.query != null) ? "?" + this.query : "")
				+ ", " + this.body.length + " bytes]";
	}

}

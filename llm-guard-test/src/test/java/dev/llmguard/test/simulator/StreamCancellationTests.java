package dev.llmguard.test.simulator;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class StreamCancellationTests {

	@Test
	void countsOnlyTheOutputWrittenBeforeTheClientLeft() throws Exception {
		try (ProviderSimulator simulator = ProviderSimulator.builder()
			.outputTokens(3000)
			.chunkDelay(Duration.ofMillis(5))
			.build()
			.start()) {
			try (Socket socket = new Socket("127.0.0.1", simulator.port())) {
				BufferedReader in = requestStream(socket);
				int contentChunks = 0;
				while (contentChunks < 5) {
					String line = in.readLine();
					assertThat(line).isNotNull();
					if (line.contains("\"content\":\"") && !line.contains("\"role\"")) {
						contentChunks++;
					}
				}
			}

			SimulatorStats stats = awaitStreamEnd(simulator);

			assertThat(stats.succeeded()).isEqualTo(1);
			assertThat(stats.outputTokens()).isGreaterThanOrEqualTo(15).isLessThan(3000);
		}
	}

	@Test
	void aStreamThatStartedBeforeAResetCountsInNoLaterStats() throws Exception {
		try (ProviderSimulator simulator = ProviderSimulator.builder()
			.outputTokens(40)
			.chunkDelay(Duration.ofMillis(5))
			.build()
			.start()) {
			try (Socket socket = new Socket("127.0.0.1", simulator.port())) {
				BufferedReader in = requestStream(socket);
				String line = in.readLine();
				while (line != null && !line.contains("\"content\":\"")) {
					line = in.readLine();
				}
				// a test ends and the next one resets the simulator while this stream still runs
				simulator.resetStats();
				while (line != null && !line.contains("[DONE]")) {
					line = in.readLine();
				}
			}
			new SimulatorHttp(simulator).chat("gpt-4o", "Short");

			SimulatorStats stats = simulator.stats();

			assertThat(stats.requests()).isEqualTo(1);
			assertThat(stats.succeeded()).isEqualTo(1);
			assertThat(stats.outputTokens()).isEqualTo(40);
		}
	}

	/** Sends a streamed chat request over a raw socket, so the test decides when the client leaves. */
	private static BufferedReader requestStream(Socket socket) throws IOException {
		String body = """
				{"model": "gpt-4o", "stream": true, "messages": [{"role": "user", "content": "Long story"}]}""";
		OutputStream out = socket.getOutputStream();
		out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
				+ "Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body)
			.getBytes(StandardCharsets.UTF_8));
		out.flush();
		return new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
	}

	// the server notices the closed connection at its next write; wait for the stream's handler to end
	private static SimulatorStats awaitStreamEnd(ProviderSimulator simulator) throws InterruptedException {
		for (int i = 0; i < 1000; i++) {
			SimulatorStats stats = simulator.stats();
			if (stats.outputTokens() > 0) {
				return stats;
			}
			Thread.sleep(10);
		}
		return simulator.stats();
	}

}

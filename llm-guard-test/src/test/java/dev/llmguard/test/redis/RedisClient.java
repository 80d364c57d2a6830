package dev.llmguard.test.redis;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** Sends one command to a Redis server in its own protocol and returns the reply as text. */
final class RedisClient {

	private RedisClient() {
	}

	/**
	 * @return a status or error line as sent ({@code +OK}, {@code -ERR ...}), an integer as {@code :1}, a
	 * bulk string's content, or {@code null} for a nil bulk string
	 */
	static String command(int port, String... arguments) {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
			socket.setSoTimeout(5000);
			ByteArrayOutputStream request = new ByteArrayOutputStream();
			write(request, "*" + arguments.length);
			for (String argument : arguments) {
				byte[] bytes = argument.getBytes(StandardCharsets.UTF_8);
				write(request, "$" + bytes.length);
				request.write(bytes);
				request.write('\r');
				request.write('\n');
			}
			OutputStream out = socket.getOutputStream();
			request.writeTo(out);
			out.flush();
			DataInputStream in = new DataInputStream(socket.getInputStream());
			String line = line(in);
			if (!line.startsWith("$")) {
				return line;
			}
			int length = Integer.parseInt(line.substring(1));
			if (length < 0) {
				return null;
			}
			byte[] content = new byte[length];
			in.readFully(content);
			return new String(content, StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Redis on port " + port + " did not answer", ex);
		}
	}

	/** Whether something accepts connections on the port. */
	static boolean accepts(int port) {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
			return true;
		}
		catch (IOException ex) {
			return false;
		}
	}

	private static void write(ByteArrayOutputStream out, String line) {
		out.writeBytes((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
	}

	private static String line(DataInputStream in) throws IOException {
		StringBuilder line = new StringBuilder();
		int c;
		while ((c = in.read()) != '\n') {
			if (c < 0) {
				throw new IOException("connection closed after '" + line + "'");
			}
			if (c != '\r') {
				line.append((char) c);
			}
		}
		return line.toString();
	}

}

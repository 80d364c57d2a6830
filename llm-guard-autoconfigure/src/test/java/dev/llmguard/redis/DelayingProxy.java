package dev.llmguard.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A TCP proxy in front of Redis that holds every answer back for a fixed delay, so a round trip
 * takes far longer than any scheduling hiccup of a loaded test machine: commands sent together
 * start within microseconds, and a command that had to wait for an answer starts a whole delay later.
 */
final class DelayingProxy implements AutoCloseable {

	private final ServerSocket server;

	private final int upstreamPort;

	private final long delayNanos;

	private final List<Socket> sockets = new CopyOnWriteArrayList<>();

	private volatile boolean closed;

	DelayingProxy(int upstreamPort, Duration delay) throws IOException {
		this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
		this.upstreamPort = upstreamPort;
		this.delayNanos = delay.toNanos();
		daemon(this::accept, "proxy-accept");
	}

	int port() {
		return this.server.getLocalPort();
	}

	private void accept() {
		while (!this.closed) {
			try {
				Socket client = this.server.accept();
				Socket upstream = new Socket(InetAddress.getLoopbackAddress(), this.upstreamPort);
				client.setTcpNoDelay(true);
				upstream.setTcpNoDelay(true);
				this.sockets.add(client);
				this.sockets.add(upstream);
				daemon(() -> copy(client, upstream), "proxy-up");
				BlockingQueue<Chunk> answers = new LinkedBlockingQueue<>();
				daemon(() -> read(upstream, answers), "proxy-read");
				daemon(() -> deliver(answers, client), "proxy-down");
			}
			catch (IOException ex) {
				return;
			}
		}
	}

	private static void copy(Socket from, Socket to) {
		try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
			byte[] buffer = new byte[16384];
			for (int read; (read = in.read(buffer)) >= 0;) {
				out.write(buffer, 0, read);
				out.flush();
			}
		}
		catch (IOException ex) {
			// connection closed
		}
	}

	private void read(Socket from, BlockingQueue<Chunk> answers) {
		try (InputStream in = from.getInputStream()) {
			byte[] buffer = new byte[16384];
			for (int read; (read = in.read(buffer)) >= 0;) {
				answers.add(new Chunk(Arrays.copyOf(buffer, read), System.nanoTime() + this.delayNanos));
			}
		}
		catch (IOException ex) {
			// connection closed
		}
		answers.add(new Chunk(null, 0));
	}

	private static void deliver(BlockingQueue<Chunk> answers, Socket to) {
		try (OutputStream out = to.getOutputStream()) {
			for (;;) {
				Chunk chunk = answers.take();
				if (chunk.bytes() == null) {
					return;
				}
				long wait = chunk.dueNanos() - System.nanoTime();
				if (wait > 0) {
					Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
				}
				out.write(chunk.bytes());
				out.flush();
			}
		}
		catch (IOException | InterruptedException ex) {
			// connection closed
		}
	}

	private static void daemon(Runnable task, String name) {
		Thread thread = new Thread(task, name);
		thread.setDaemon(true);
		thread.start();
	}

	@Override
	public void close() throws IOException {
		this.closed = true;
		this.server.close();
		for (Socket socket : this.sockets) {
			socket.close();
		}
	}

	private record Chunk(byte[] bytes, long dueNanos) {
	}

}

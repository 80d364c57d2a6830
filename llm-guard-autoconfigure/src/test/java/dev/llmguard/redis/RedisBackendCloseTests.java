package dev.llmguard.redis;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import dev.llmguard.core.time.ManualGuardClock;
import dev.llmguard.test.redis.RedisServerExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Closing the backend (the application shutting down) while Lettuce's event loop still runs work that
 * asks for the connection, as Bucket4j's compare-and-swaps do when a read they sent is answered.
 */
class RedisBackendCloseTests {

	@RegisterExtension
	static final RedisServerExtension redis = new RedisServerExtension();

	@Test
	void closingWhileTheEventLoopAsksForTheConnectionEnds() throws Exception {
		LettuceConnectionFactory factory = RedisTestSupport.connectionFactory(redis.port());
		boolean closed = false;
		try {
			RedisGuardBackend backend = new RedisGuardBackend(factory::getRequiredNativeClient,
					RedisTestSupport.options("close", RedisFailureMode.FAIL_CLOSED), new ManualGuardClock(RedisTestSupport.START),
					(event) -> {
					});
			AtomicReference<Throwable> askedAfterClose = new AtomicReference<>();
			CountDownLatch running = new CountDownLatch(1);
			backend.commands();
			// Redis holds its answer, so the work below is attached before it comes and runs on the event loop
			try (RedisTestSupport.Inspector inspector = new RedisTestSupport.Inspector(redis.port())) {
				inspector.redis().clientPause(300);
			}
			long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
			// answered on the event loop, which then waits until the backend is closing and asks for the connection
			CompletableFuture<Void> onTheLoop = backend.commands().ping().toCompletableFuture().thenRun(() -> {
				assertThat(Thread.currentThread().getName()).startsWith("lettuce");
				running.countDown();
				while (backend.isUp() && System.nanoTime() < deadline) {
					Thread.onSpinWait();
				}
				while (askedAfterClose.get() == null && System.nanoTime() < deadline) {
					try {
						backend.commands();
					}
					catch (RuntimeException ex) {
						askedAfterClose.set(ex);
					}
				}
			});

			assertThat(running.await(30, TimeUnit.SECONDS)).as("the answer's work runs on the event loop").isTrue();
			Thread closing = new Thread(backend::close, "closing");
			closing.start();
			closing.join(Duration.ofSeconds(30).toMillis());
			closed = !closing.isAlive();
			assertThat(closed).as("close() ended").isTrue();
			onTheLoop.get(30, TimeUnit.SECONDS);
			assertThat(askedAfterClose.get()).hasMessageContaining("closed");
		}
		finally {
			if (closed) {
				factory.destroy(); // a deadlocked event loop would keep this from ending too
			}
		}
	}

}

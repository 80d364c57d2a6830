package dev.llmguard.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import dev.llmguard.core.time.ManualGuardClock;
import dev.llmguard.test.redis.RedisServerExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The guard opens its connection from the application's Lettuce client with options of its own for
 * that one connect; the application's client keeps its options.
 */
class RedisConnectionOptionsTests {

	@RegisterExtension
	static final RedisServerExtension redis = new RedisServerExtension();

	@Test
	void theApplicationsClientKeepsItsOptionsOnceTheGuardHasConnected() throws Exception {
		LettuceConnectionFactory factory = RedisTestSupport.connectionFactory(redis.port());
		try (RedisGuardBackend backend = new RedisGuardBackend(factory::getRequiredNativeClient,
				RedisTestSupport.options("options", RedisFailureMode.FAIL_CLOSED),
				new ManualGuardClock(RedisTestSupport.START), (event) -> {
				})) {
			RedisClient client = (RedisClient) factory.getRequiredNativeClient();
			ClientOptions before = client.getOptions();

			assertThat(backend.commands().ping().toCompletableFuture().get()).isEqualTo("PONG");

			assertThat(client.getOptions()).isSameAs(before);
			assertThat(client.getOptions().isUseHashIndexedQueue()).isTrue();
		}
		finally {
			factory.destroy();
		}
	}

}

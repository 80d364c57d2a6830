package dev.llmguard.redis;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.lettuce.core.RedisFuture;

/**
 * The answer of a script sent by its digest (EVALSHA) and, when Redis did not know it, once more with
 * its text: a {@link RedisFuture}, which is what Bucket4j's Lettuce proxy manager expects of
 * {@code eval}.
 */
final class ScriptFuture<V> extends CompletableFuture<V> implements RedisFuture<V> {

	@Override
	public String getError() {
		if (!isCompletedExceptionally()) {
			return null;
		}
		try {
			join();
			return null;
		}
		catch (RuntimeException ex) {
			Throwable cause = RedisGuardBackend.unwrap(ex);
			return String.valueOf(cause.getMessage());
		}
	}

	@Override
	public boolean await(long timeout, TimeUnit unit) throws InterruptedException {
		try {
			get(timeout, unit);
			return true;
		}
		catch (ExecutionException ex) {
			return true;
		}
		catch (TimeoutException ex) {
			return false;
		}
	}

}

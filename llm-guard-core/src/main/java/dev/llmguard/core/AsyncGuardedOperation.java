package dev.llmguard.core;

import java.util.concurrent.CompletionStage;

/** An asynchronous provider call; the guard settles when the stage completes. */
@FunctionalInterface
public interface AsyncGuardedOperation<T> {

	CompletionStage<T> call(LlmGuardContext context) throws Throwable;

}

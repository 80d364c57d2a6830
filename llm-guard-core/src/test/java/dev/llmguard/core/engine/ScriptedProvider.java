package dev.llmguard.core.engine;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.llmguard.core.AsyncGuardedOperation;
import dev.llmguard.core.GuardedOperation;
import dev.llmguard.core.LlmGuardContext;
import dev.llmguard.core.model.ModelRef;
import dev.llmguard.core.model.Usage;

/**
 * A fake provider call: each model answers from its script, in order, then with its fallback
 * outcome. An outcome is a {@link Throwable} (thrown), a {@link Usage} (recorded on the context, the
 * model's name returned) or any other value (returned). Unscripted models answer their own name.
 */
final class ScriptedProvider implements GuardedOperation<String> {

	private final Map<ModelRef, Deque<Object>> scripts = new ConcurrentHashMap<>();

	private final Map<ModelRef, Object> always = new ConcurrentHashMap<>();

	private final List<LlmGuardContext> calls = new CopyOnWriteArrayList<>();

	/** Scripts the next answers of a model. */
	ScriptedProvider on(ModelRef model, Object... outcomes) {
		this.scripts.computeIfAbsent(model, m -> new ArrayDeque<>()).addAll(List.of(outcomes));
		return this;
	}

	/** What a model answers once its script is used up. */
	ScriptedProvider always(ModelRef model, Object outcome) {
		this.always.put(model, outcome);
		return this;
	}

	@Override
	public synchronized String call(LlmGuardContext context) throws Throwable {
		this.calls.add(context);
		Deque<Object> script = this.scripts.get(context.modelRef());
		Object outcome = (script != null) ? script.poll() : null;
		if (outcome == null) {
			outcome = this.always.get(context.modelRef());
		}
		if (outcome instanceof Throwable error) {
			throw error;
		}
		if (outcome instanceof Usage usage) {
			context.recordUsage(usage);
			return context.model();
		}
		return (outcome != null) ? outcome.toString() : context.model();
	}

	/** The same script as an asynchronous call whose stage completes on another thread. */
	AsyncGuardedOperation<String> async() {
		return context -> {
			CompletableFuture<String> stage = new CompletableFuture<>();
			String answer;
			try {
				answer = call(context);
			}
			catch (Throwable ex) {
				CompletableFuture.runAsync(() -> stage.completeExceptionally(ex));
				return stage;
			}
			CompletableFuture.runAsync(() -> stage.complete(answer));
			return stage;
		};
	}

	/** The models called, in order, one entry per attempt. */
	List<ModelRef> calls() {
		return this.calls.stream().map(LlmGuardContext::modelRef).toList();
	}

	/** The contexts the calls saw, one per attempt. */
	List<LlmGuardContext> contexts() {
		return List.copyOf(this.calls);
	}

	long callsTo(ModelRef model) {
		return calls().stream().filter(model::equals).count();
	}

}
